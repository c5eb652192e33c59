import assert from 'node:assert/strict';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import type { PlanInput } from '../../src/engine/model/plan';
import { RINGS, ringRank } from '../../src/engine/model/cohorts';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { rolloutWorkflow } from '../../src/engine/workflows';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { timeSkippingEnv, withWorker } from '../helpers/temporal';
import { resolveRollout } from '../../src/engine/model/rollout';

/** 300 gateways: every 30th internal, every 10th alpha, every 5th beta, a qa-bench bench of 3, the rest production (no ring). */
const ringOfIndex = (index: number): string | undefined =>
  index % 100 === 99 ? 'qa-bench' : index % 30 === 0 ? 'internal' : index % 10 === 0 ? 'alpha' : index % 5 === 0 ? 'beta' : undefined;
const ringedFleet = () =>
  generateDevices({ count: 300 }).map((device, index) => {
    const ring = ringOfIndex(index);
    return ring ? { ...device, attributes: { ...device.attributes, ring } } : device;
  });

const fastStages = { monitorWindow: '5 minutes' } as const;

async function runPlan(fleet: MemoryFleet, overrides: Partial<PlanInput>) {
  const env = await timeSkippingEnv();
  const ledger = await temporaryLedger();
  const plan = planFor('stage-kinds', { defaults: { batchSize: 50, batchGap: '1 minute' }, health: { measureBaseline: false }, ...overrides });
  const report = await withWorker(env, { fleet, ledger }, (taskQueue) =>
    env.client.workflow.execute(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [resolveRollout({ plan })] }),
  );
  return { report, ledger, rolloutId: plan.rolloutId };
}

describe('stage kinds on 300 gateways (time skipping)', () => {
  it('cuts percent stages as cumulative shares of the eligible fleet: 1 % → 5 % → 25 % → 100 %', async () => {
    const fleet = new MemoryFleet({ devices: generateDevices({ count: 300 }) });
    const stages = [1, 5, 25, 100].map((percent) => ({ name: `p${percent}`, percent, ...fastStages }));
    const { report } = await runPlan(fleet, { stages });
    assert.equal(report.state, 'completed');
    assert.deepEqual(report.stages.map((stage) => [stage.stage, stage.devices, stage.counts.succeeded]), [
      ['p1', 3, 3],
      ['p5', 12, 12],
      ['p25', 60, 60],
      ['p100', 225, 225],
    ]);
    assert.equal(fleet.acceptedCommands().size, 300);
  });

  it('updates each ring in its own stage, internal → alpha → beta → production, and reports the devices no stage selects', async () => {
    const devices = ringedFleet();
    const fleet = new MemoryFleet({ devices });
    const stages = RINGS.map((ring) => ({ name: ring, select: { ring }, ...fastStages }));
    const { report, ledger, rolloutId } = await runPlan(fleet, { stages });

    const ringOf = new Map(devices.map((device) => [device.id, device.attributes.ring ?? 'production']));
    const inRing = (ring: string) => devices.filter((device) => ringOf.get(device.id) === ring).length;
    assert.equal(report.state, 'completed');
    assert.deepEqual(
      report.stages.map((stage) => [stage.stage, stage.devices, stage.counts.succeeded]),
      RINGS.map((ring) => [ring, inRing(ring), inRing(ring)]),
    );

    const outcomes = await ledger.outcomes(rolloutId);
    const succeeded = outcomes.filter((outcome) => outcome.state === 'succeeded');
    assert.ok(succeeded.every((outcome) => outcome.stage === ringOf.get(outcome.deviceId)), 'every device updated in its ring’s stage');
    const updateOrder = fleet.commandLog.filter((entry) => entry.kind === 'update' && !entry.duplicate).map((entry) => ringRank(ringOf.get(entry.deviceId)!));
    assert.deepEqual(updateOrder, [...updateOrder].sort((a, b) => a - b), 'rings updated in ring order');

    const excluded = outcomes.filter((outcome) => outcome.state === 'excluded');
    assert.deepEqual(excluded.map((outcome) => outcome.deviceId).sort(), ['gw-00100', 'gw-00200', 'gw-00300']);
    assert.match(excluded[0]!.reason!, /no stage selects it/);
    assert.equal(fleet.acceptedCommands().size, 297);
  });
});
