import assert from 'node:assert/strict';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import type { FlagPlanInput } from '../../src/engine/model/flagPlan';
import { resolveRollout } from '../../src/engine/model/rollout';
import type { Device } from '../../src/engine/ports/fleetProvider';
import { statusQuery } from '../../src/engine/workflows/messages';
import { rolloutWorkflow } from '../../src/engine/workflows';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { FlagCrashRateFleet, type FlagCrashRate } from '../helpers/clockFleet';
import { flagPlanFor, temporaryLedger } from '../helpers/fixtures';
import { timeSkippingEnv, withWorker } from '../helpers/temporal';

const FLAG = 'new_sensor_algorithm';
const BASE_RATE = 0.2;
const stages: FlagPlanInput['stages'] = [
  { name: 'canary', devices: 6, monitorWindow: '1 hour' },
  { name: 'pilot', devices: 24, monitorWindow: '2 hours' },
  { name: 'rest', percent: 100, monitorWindow: '1 hour' },
];
/** Gateways that had the flag on before the rollout: not its targets. */
const ALREADY_ON = ['gw-00001', 'gw-00002', 'gw-00003'];

const flagOf = (device: Device): boolean | undefined => device.flags[FLAG];

/** A flag rollout under time skipping on 90 gateways (three already with the flag on) that crash as `rate` says. */
async function rollOutFlag(rate: FlagCrashRate) {
  const env = await timeSkippingEnv();
  const devices = generateDevices({ count: 90 }).map((device) => (ALREADY_ON.includes(device.id) ? { ...device, flags: { [FLAG]: true } } : device));
  const fleet = new FlagCrashRateFleet({ devices }, FLAG, rate);
  fleet.serverClock = () => env.currentTimeMs();
  const ledger = await temporaryLedger();
  const plan = flagPlanFor('flag-rollout', { flag: { name: FLAG, value: true }, stages, defaults: { batchSize: 6 } });
  return withWorker(env, { fleet, ledger }, async (taskQueue) => {
    const handle = await env.client.workflow.start(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [resolveRollout({ plan })] });
    const report = await handle.result();
    return { report, status: await handle.query(statusQuery), fleet, devices, ledger, plan };
  });
}

const onRevB = (device: Device): boolean => device.attributes.hardwareRevision === 'rev-b';

describe('flag rollouts (time skipping)', () => {
  it('stage the flag with one keyed flag command per target, keep every firmware, and record each target’s previous value', async () => {
    const { report, status, fleet, devices, ledger, plan } = await rollOutFlag(() => BASE_RATE);

    assert.equal(report.state, 'completed');
    assert.deepEqual(status.flag, { name: FLAG, value: true });
    assert.equal(status.firmwareVersion, `${FLAG}=true`);
    assert.deepEqual(
      report.stages.map((stage) => [stage.stage, stage.devices, stage.counts.succeeded]),
      [
        ['canary', 6, 6],
        ['pilot', 24, 24],
        ['rest', 57, 57],
      ],
    );
    for (const device of devices) {
      const now = fleet.device(device.id);
      assert.equal(flagOf(now), true, device.id);
      assert.equal(now.firmwareVersion, device.firmwareVersion, `${device.id} keeps its firmware`);
    }
    const commands = fleet.acceptedCommands('flag');
    assert.equal(commands.size, 87);
    assert.ok([...commands.values()].every((count) => count === 1), 'one flag command per target');
    assert.ok(ALREADY_ON.every((deviceId) => !commands.has(deviceId)), 'devices that had the flag on are not targets');
    assert.equal(fleet.acceptedCommands('update').size, 0);
    const targets = await ledger.targets(plan.rolloutId);
    assert.equal(targets.size, 87);
    assert.ok([...targets.values()].every((target) => target.fromFlag === false));
  });

  it('restore the previous value on the one hardware revision whose crash rate the flag regressed, quarantine no firmware, and finish the rest', async () => {
    const { report, status, fleet, devices, ledger } = await rollOutFlag((device, on) => (on && onRevB(device) ? BASE_RATE * 10 : BASE_RATE));

    assert.equal(report.state, 'completed');
    const health = status.decisions.filter((decision) => decision.gate === 'health');
    assert.deepEqual(
      health.map((decision) => decision.action),
      ['roll_back', 'continue'],
    );
    assert.match(health[0]!.reason, /hardwareRevision rev-b: crash rate ×\d+(\.\d)? \(95 % CI/);
    for (const device of devices.filter((candidate) => !ALREADY_ON.includes(candidate.id))) {
      assert.equal(flagOf(fleet.device(device.id)) ?? false, !onRevB(device), `${device.id} (${device.attributes.hardwareRevision})`);
    }
    const restored = fleet.acceptedCommands('flag');
    const revB = devices.filter((device) => onRevB(device) && !ALREADY_ON.includes(device.id));
    assert.ok(revB.some((device) => !restored.has(device.id)), 'rev-b devices of later stages were never sent the flag');
    assert.ok(
      revB.every((device) => (restored.get(device.id) ?? 0) !== 1),
      'a rev-b device sent the flag had it restored: a second flag command',
    );
    assert.deepEqual(await ledger.quarantined(), [], 'a flag has no firmware to quarantine');
    assert.equal(fleet.acceptedCommands('rollback').size, 0, 'no firmware rollback');
  });
});
