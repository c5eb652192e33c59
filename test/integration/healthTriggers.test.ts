import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../src/engine/model/failures';
import { rolloutWorkflowId, stageWorkflowId } from '../../src/engine/model/ids';
import { statusQuery } from '../../src/engine/workflows/messages';
import type { PlanInput } from '../../src/engine/model/plan';
import { generateDevices } from '../../rig/fleet/generateDevices';
import type { FileLedger } from '../../src/adapters/ledger/fileLedger';
import { rolloutWorkflow } from '../../src/engine/workflows';
import { ServerClockHealthFleet } from '../helpers/clockFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { timeSkippingEnv, withWorker } from '../helpers/temporal';
import { resolveRollout } from '../../src/engine/model/rollout';

const stages: PlanInput['stages'] = [
  { name: 'canary', devices: 5, monitorWindow: '1 hour' },
  { name: 'pilot', devices: 20, monitorWindow: '1 hour' },
];

/** Runs a canary-then-pilot rollout under time skipping with each canary gateway reporting `crashes`. */
async function rollOutWithCanaryCrashes(crashes: number, health: PlanInput['health'], ledger: FileLedger = temporaryLedger()) {
  const env = await timeSkippingEnv();
  const devices = generateDevices({ count: 25 });
  const fleet = new ServerClockHealthFleet({ devices });
  fleet.serverClock = () => env.currentTimeMs();
  devices.slice(0, 5).forEach((device) => fleet.setCrashCount(device.id, crashes));
  const plan = planFor('health', { stages, defaults: { batchSize: 5 }, ...(health ? { health } : {}) });
  return withWorker(env, { fleet, ledger }, async (taskQueue) => {
    const handle = await env.client.workflow.start(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [resolveRollout({ plan })] });
    const report = await handle.result();
    const status = await handle.query(statusQuery);
    const pilotParts = await Promise.all(
      [1, 2].map((part) => env.client.workflow.getHandle(stageWorkflowId(plan.rolloutId, 'pilot', part)).describe().then(() => part, () => undefined)),
    );
    return { report, status, fleet, devices, plan, pilotParts: pilotParts.filter((part) => part !== undefined), env, taskQueue };
  });
}

describe('health in the monitoring windows (time skipping)', () => {
  it('rolls everything back and quarantines the firmware on a critical crash rate', async () => {
    const ledger = temporaryLedger();
    const { report, status, fleet, devices, plan } = await rollOutWithCanaryCrashes(40, undefined, ledger);

    assert.equal(report.state, 'rolled_back');
    const decision = status.decisions.find((candidate) => candidate.gate === 'monitoring');
    assert.equal(decision?.action, 'roll_back');
    assert.match(decision!.reason, /critical: crashRate/);
    assert.ok(devices.every((device) => fleet.device(device.id).firmwareVersion === '1.0.0'));
    assert.equal(fleet.acceptedCommands().size, 5, 'the pilot never started');
    assert.equal((await ledger.quarantined())[0]?.version, plan.firmware.version);

    const env = await timeSkippingEnv();
    const again = planFor('health-again', { firmware: plan.firmware, stages });
    await withWorker(env, { fleet, ledger }, async (taskQueue) => {
      const run = env.client.workflow.execute(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(again.rolloutId), args: [resolveRollout({ plan: again })] });
      await assert.rejects(run, (error: unknown) => {
        assert.ok(error instanceof WorkflowFailedError);
        assert.ok(error.cause?.cause instanceof ApplicationFailure);
        assert.equal(error.cause.cause.type, FailureType.FirmwareQuarantined);
        return true;
      });
    });
  });

  it('pauses on a moderate crash rate and, when the deadline passes with metrics improving, goes on with the next stage halved', async () => {
    // 30 crashes in the canary against a baseline of 116 per device-hour: about 10 expected after its
    // first minute (3×, moderate), fewer than 2× once the 48-hour deadline has passed.
    const { report, status, pilotParts } = await rollOutWithCanaryCrashes(6, { baseline: { crashRatePerDeviceHour: 116, connectivityRate: 0.99 }, measureBaseline: false });

    assert.equal(report.state, 'completed');
    const monitoring = status.decisions.filter((decision) => decision.gate === 'monitoring').map((decision) => decision.action);
    assert.deepEqual(monitoring, ['pause', 'continue']);
    const pause = status.decisions.find((decision) => decision.action === 'pause')!;
    assert.match(pause.reason, /^moderate: crashRate/);
    assert.equal(new Date(pause.deadline!).getTime() - new Date(pause.at).getTime(), 48 * 3_600_000);
    assert.deepEqual(pilotParts, [1, 2], 'the pilot ran in two parts');
    assert.equal(report.stages[1]?.counts.succeeded, 20);
  });
});
