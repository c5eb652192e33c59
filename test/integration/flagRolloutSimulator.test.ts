import assert from 'node:assert/strict';
import { HttpFleet } from '../../src/adapters/fleet/httpFleet';
import { RolloutClient } from '../../src/client';
import type { Device } from '../../src/engine/ports/fleetProvider';
import { RealtimeClock } from '../../rig/simulator/clock';
import { serveSimulator } from '../../rig/simulator/serveSimulator';
import { SimulatedFleet } from '../../rig/simulator/simulatedFleet';
import { flagPlanFor, temporaryLedger } from '../helpers/fixtures';
import { localEnv, withWorker } from '../helpers/temporal';

const FLAG = 'new_sensor_algorithm';
const SPEEDUP = 600;

/**
 * The simulator's `bad-flag` fleet (the flag, switched on, crashes rev-b gateways 1000× as often;
 * a few gateways offline, on flaky links or low batteries) behind its HTTP API, on the plan's time.
 */
async function rollOutOnSimulator() {
  const clock = new RealtimeClock(SPEEDUP, 1000);
  const served = await serveSimulator({ fleet: new SimulatedFleet({ devices: 60, seed: 5, profile: 'bad-flag' }, clock) });
  try {
    const env = await localEnv();
    const plan = flagPlanFor('flag-on-simulator', {
      flag: { name: FLAG, value: true },
      stages: [
        { name: 'canary', devices: 6, monitorWindow: '1 hour' },
        { name: 'rest', percent: 100, monitorWindow: '1 hour' },
      ],
      defaults: { batchSize: 6, batchGap: '1 minute', operationTimeout: '10 minutes', batchTimeout: '15 minutes' },
      catchUp: { rolloutWindow: '4 hours', recheckInterval: '30 minutes' },
    });
    const fleet = new HttpFleet({ baseUrl: served.url, rateLimit: { requestsPerSecond: 200 } });
    return await withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue) => {
      const client = new RolloutClient(env.client, taskQueue);
      clock.start();
      const handle = await client.start({ plan, speedup: SPEEDUP, startedBy: 'test' });
      await handle.result();
      const devices = (await fleet.inventory({ limit: 1000 })).devices;
      const restores = await fleet.latestOperations({ correlationId: `rollback/${plan.rolloutId}`, deviceIds: devices.map((device) => device.id), kind: 'flag' });
      return { status: await client.status(plan.rolloutId), devices, restores };
    });
  } finally {
    clock.stop();
    await served.close();
  }
}

const onRevB = (device: Device): boolean => device.attributes.hardwareRevision === 'rev-b';

describe('a flag rollout on the simulated fleet over HTTP (dev server)', function () {
  this.timeout(300_000);

  it('turns the flag on, then back off on rev-b alone once its crash rate regresses, leaving every firmware as it was', async () => {
    const { status, devices, restores } = await rollOutOnSimulator();

    const health = status.decisions.filter((decision) => decision.gate === 'health');
    assert.equal(health[0]?.action, 'roll_back', JSON.stringify(status.decisions));
    assert.match(health[0]!.reason, /hardwareRevision rev-b/);
    const revB = devices.filter(onRevB);
    const others = devices.filter((device) => !onRevB(device));
    assert.ok(revB.length > 0 && others.length > 0);
    assert.ok(revB.every((device) => device.flags[FLAG] !== true), `rev-b with the flag on: ${revB.filter((device) => device.flags[FLAG]).map((device) => device.id).join(', ')}`);
    assert.ok(others.filter((device) => device.flags[FLAG] === true).length >= others.length * 0.9, 'the other revisions got the flag');
    assert.ok(devices.every((device) => device.firmwareVersion === '1.0.0'), 'no firmware changed');
    const restored = restores.filter((operation) => operation.state === 'succeeded').map((operation) => operation.deviceId);
    assert.ok(restored.length > 0, 'rev-b gateways had the flag and got it back off');
    assert.deepEqual(restored.filter((deviceId) => !revB.some((device) => device.id === deviceId)), [], 'only rev-b was restored');
    console.log(`      ${restored.length} of ${revB.length} rev-b gateways restored; decisions: ${status.decisions.map((decision) => `${decision.stage} ${decision.gate} ${decision.action}`).join(' | ')}`);
  });
});
