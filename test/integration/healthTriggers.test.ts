import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../src/engine/model/failures';
import { rolloutWorkflowId, stageWorkflowId } from '../../src/engine/model/ids';
import { statusQuery } from '../../src/engine/workflows/messages';
import type { PlanInput } from '../../src/engine/model/plan';
import type { Device, Health } from '../../src/engine/ports/fleetProvider';
import { generateDevices } from '../../rig/fleet/generateDevices';
import type { Ledger } from '../../src/engine/ports/ledger';
import { rolloutWorkflow } from '../../src/engine/workflows';
import { CrashRateFleet, ServerClockHealthFleet, type CrashRate } from '../helpers/clockFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { timeSkippingEnv, withWorker } from '../helpers/temporal';
import { resolveRollout } from '../../src/engine/model/rollout';

const BASE_RATE = 0.2;
const stages: PlanInput['stages'] = [
  { name: 'canary', devices: 6, monitorWindow: '1 hour' },
  { name: 'pilot', devices: 24, monitorWindow: '2 hours' },
  { name: 'rest', devices: 60, monitorWindow: '1 hour' },
];

/** Firmware 2.0.0 crashes `multiplier` times as often as 1.0.0 on the devices `regressed` picks. */
const regressionOn =
  (regressed: (device: Device) => boolean, multiplier: number): CrashRate =>
  (device, version) =>
    version === '2.0.0' && regressed(device) ? BASE_RATE * multiplier : BASE_RATE;

/** A rollout under time skipping on 90 gateways that crash as `rate` says. */
async function rollOut(rate: CrashRate, ledger?: Ledger) {
  const env = await timeSkippingEnv();
  const devices = generateDevices({ count: 90 });
  const fleet = new CrashRateFleet({ devices }, rate);
  fleet.serverClock = () => env.currentTimeMs();
  const plan = planFor('crash-evidence', { stages, defaults: { batchSize: 6 } });
  return withWorker(env, { fleet, ledger: ledger ?? (await temporaryLedger()) }, async (taskQueue) => {
    const handle = await env.client.workflow.start(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [resolveRollout({ plan })] });
    const report = await handle.result();
    return { report, status: await handle.query(statusQuery), fleet, devices, plan };
  });
}

const onRevision = (revision: string) => (device: Device) => device.attributes.hardwareRevision === revision;

describe('crash evidence per cohort against the control (time skipping)', () => {
  it('rolls back and withdraws only the hardware revision whose crash rate regressed, and the rest completes after the deadline', async () => {
    const ledger = await temporaryLedger();
    const { report, status, fleet, devices, plan } = await rollOut(regressionOn(onRevision('rev-b'), 10), ledger);

    assert.equal(report.state, 'completed');
    const health = status.decisions.filter((decision) => decision.gate === 'health');
    assert.deepEqual(health.map((decision) => decision.action), ['roll_back', 'continue']);
    assert.match(health[0]!.reason, /hardwareRevision rev-b: crash rate ×\d+(\.\d)? \(95 % CI/);
    assert.ok(health[0]!.deadline, 'the rest waits for a deadline');
    for (const device of devices) {
      const expected = device.attributes.hardwareRevision === 'rev-b' ? '1.0.0' : '2.0.0';
      assert.equal(fleet.device(device.id).firmwareVersion, expected, `${device.id} (${device.attributes.hardwareRevision})`);
    }
    const quarantined = await ledger.quarantined();
    assert.deepEqual(quarantined.map((record) => [record.version, record.cohort]), [[plan.firmware.version, { attribute: 'hardwareRevision', value: 'rev-b' }]]);
    const commanded = new Set(fleet.acceptedCommands().keys());
    const revB = devices.filter(onRevision('rev-b'));
    assert.ok(revB.some((device) => !commanded.has(device.id)), 'rev-b devices of later stages never got the update');
  });

  it('rolls everything back and quarantines the firmware for all on a fleet-wide regression', async () => {
    const ledger = await temporaryLedger();
    const { report, status, fleet, devices, plan } = await rollOut(regressionOn(() => true, 10), ledger);

    assert.equal(report.state, 'rolled_back');
    const rollback = status.decisions.filter((decision) => decision.gate === 'health').at(-1);
    assert.equal(rollback?.action, 'roll_back');
    assert.match(rollback!.reason, /^fleet-wide crash-rate regression/);
    assert.ok(devices.every((device) => fleet.device(device.id).firmwareVersion === '1.0.0'));
    assert.ok(fleet.acceptedCommands().size <= 30, 'the last stage never started');

    const env = await timeSkippingEnv();
    const again = planFor('crash-evidence-again', { firmware: plan.firmware, stages });
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

  it('lets firmware as good as the old one through', async () => {
    const { report, status, fleet, devices } = await rollOut(() => BASE_RATE);

    assert.equal(report.state, 'completed');
    assert.deepEqual(status.decisions.filter((decision) => decision.gate === 'health'), []);
    assert.ok(devices.every((device) => fleet.device(device.id).firmwareVersion === '2.0.0'));
  });
});

/** One canary gateway loses its link from 10 minutes after its update until `backAfterHours` after it. */
class FlakyCanaryFleet extends ServerClockHealthFleet {
  constructor(
    devices: Device[],
    private readonly flaky: string,
    private readonly backAfterHours: number,
  ) {
    super({ devices });
  }

  override async health(deviceIds: string[]): Promise<Health[]> {
    const now = await this.serverClock();
    const updatedAt = this.commandsAt.find((command) => command.deviceId === this.flaky)?.at;
    const offline = updatedAt !== undefined && now - updatedAt > 600_000 && now - updatedAt < this.backAfterHours * 3_600_000;
    return (await super.health(deviceIds)).map((report) => (report.deviceId === this.flaky && offline ? { ...report, online: false } : report));
  }
}

describe('health in the monitoring windows (time skipping)', () => {
  it('pauses on a connectivity drop and, when the deadline passes with metrics improving, goes on with the next stage halved', async () => {
    const env = await timeSkippingEnv();
    const devices = generateDevices({ count: 25 });
    const canaryIds = [...devices.map((device) => device.id)].sort().slice(0, 5);
    const fleet = new FlakyCanaryFleet(devices, canaryIds[0]!, 30);
    fleet.serverClock = () => env.currentTimeMs();
    const plan = planFor('connectivity', {
      stages: [
        { name: 'canary', devices: 5, monitorWindow: '1 hour' },
        { name: 'pilot', devices: 20, monitorWindow: '1 hour' },
      ],
      defaults: { batchSize: 5 },
      health: { measureBaseline: false, policy: { unresponsiveDeviceLimit: 5 } },
    });
    await withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue) => {
      const handle = await env.client.workflow.start(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [resolveRollout({ plan })] });
      const report = await handle.result();
      const status = await handle.query(statusQuery);

      assert.equal(report.state, 'completed');
      const monitoring = status.decisions.filter((decision) => decision.gate === 'monitoring');
      assert.deepEqual(monitoring.map((decision) => decision.action), ['pause', 'continue']);
      assert.match(monitoring[0]!.reason, /^moderate: connectivityDrop/);
      assert.equal(new Date(monitoring[0]!.deadline!).getTime() - new Date(monitoring[0]!.at).getTime(), 48 * 3_600_000);
      const pilotParts = await Promise.all([1, 2].map((part) => env.client.workflow.getHandle(stageWorkflowId(plan.rolloutId, 'pilot', part)).describe().then(() => part, () => undefined)));
      assert.deepEqual(pilotParts, [1, 2], 'the pilot ran in two parts');
      assert.equal(report.stages[1]?.counts.succeeded, 20);
    });
  });
});
