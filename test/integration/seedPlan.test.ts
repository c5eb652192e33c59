import assert from 'node:assert/strict';
import { Plan } from '../../src/engine/model/plan';
import { rolloutWorkflowId, stageWorkflowId } from '../../src/engine/model/ids';
import { plannedWaitMs, stageSizes } from '../../src/engine/model/planMath';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { rolloutWorkflow } from '../../src/engine/workflows';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { timeSkippingEnv, withWorker } from '../helpers/temporal';
import { resolveRollout } from '../../src/engine/model/rollout';

describe('the seed plan on 200 gateways (time skipping, real default durations)', () => {
  it('runs canary → pilot → wave1 → wave2 to completion, waiting every gap and monitoring window', async () => {
    const env = await timeSkippingEnv();
    const fleet = new MemoryFleet({ devices: generateDevices({ count: 200 }) });
    const planInput = planFor('seed');
    const plan = Plan.parse(planInput);

    const { report, stageStarts } = await withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue) => {
      const handle = await env.client.workflow.start(rolloutWorkflow, {
        taskQueue,
        workflowId: rolloutWorkflowId(plan.rolloutId),
        args: [resolveRollout({ plan: planInput })],
      });
      const report = await handle.result();
      const stageStarts = await Promise.all(
        plan.stages.map(async (stage) => (await env.client.workflow.getHandle(stageWorkflowId(plan.rolloutId, stage.name)).describe()).startTime),
      );
      return { report, stageStarts };
    });

    assert.equal(report.state, 'completed');
    assert.deepEqual(report.stages.map((stage) => [stage.stage, stage.devices, stage.counts.succeeded]), [
      ['canary', 5, 5],
      ['pilot', 20, 20],
      ['wave1', 50, 50],
      ['wave2', 125, 125],
    ]);
    const startTimes = stageStarts.map((date) => date.getTime());
    assert.deepEqual([...startTimes].sort((a, b) => a - b), startTimes, 'stages start in plan order');
    const plannedWait = plannedWaitMs(plan, stageSizes(plan, 200));
    assert.ok(report.elapsedMs >= plannedWait, `workflow clock advanced ${report.elapsedMs} ms, plan waits ${plannedWait} ms`);

    const commands = fleet.acceptedCommands();
    assert.equal(commands.size, 200);
    assert.ok([...commands.values()].every((count) => count === 1), 'one update command per device');
    assert.ok(generateDevices({ count: 200 }).every((device) => fleet.device(device.id).firmwareVersion === '2.0.0'));
  });
});
