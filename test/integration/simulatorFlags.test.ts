import assert from 'node:assert/strict';
import { FleetRequestRejected } from '../../src/adapters/fleet/fleetHttpErrors';
import type { FlagCommand } from '../../src/engine/ports/fleetProvider';
import type { SimulatorOptions } from '../../rig/simulator/simulatedFleet';
import { startManualSimulator, type ManualSimulator } from '../helpers/manualSimulator';

const MINUTE = 60_000;
const FLAG = 'new_sensor_algorithm';

const flagCommand = (deviceId: string, value: boolean, correlationId = 'flags-a', generation = 1): FlagCommand => ({
  deviceId,
  idempotencyKey: `${correlationId}/${deviceId}/${generation}`,
  correlationId,
  flag: FLAG,
  value,
});


describe('feature flags in the simulated fleet, over the fleet REST contract', function () {
  this.timeout(30_000);
  let running: ManualSimulator;

  afterEach(async () => {
    await running.served.close();
  });

  it('applies a flag on connected gateways at the next step, reports it, and answers a repeated key with the same operation', async () => {
    running = await startManualSimulator({ devices: 20, seed: 3, profile: 'clean' });
    const ids = (await running.http.inventory({ limit: 100 })).devices.map((device) => device.id).slice(0, 5);
    const started = await running.http.setFlags(ids.map((id) => flagCommand(id, true)));
    assert.deepEqual(started.map((operation) => [operation.kind, operation.state, operation.targetVersion]), ids.map(() => ['flag', 'queued', `${FLAG}=true`]));
    running.clock.advance(1000);
    const operations = await running.http.latestOperations({ correlationId: 'flags-a', deviceIds: ids, kind: 'flag' });
    assert.deepEqual(operations.map((operation) => operation.state), ids.map(() => 'succeeded'));
    const again = await running.http.setFlags(ids.map((id) => flagCommand(id, true)));
    assert.deepEqual(again.map((operation) => [operation.operationId, operation.duplicate]), started.map((operation) => [operation.operationId, true]));
    assert.deepEqual([...running.fleet.acceptedCommands('flag').values()], [1, 1, 1, 1, 1]);

    const inventory = (await running.http.inventory({ limit: 100 })).devices;
    assert.deepEqual(inventory.filter((device) => device.flags[FLAG] === true).map((device) => device.id), ids);
    const states = await running.http.flagStates(ids);
    assert.ok(states.every((state) => state.flags[FLAG] === true && state.flagsUptimeSeconds <= 1 && state.crashCount === 0));
    const metrics = await running.sim.metrics();
    assert.equal(metrics.management.peakOperationsInFlight, 0, 'desired flags are rows in the service, not operations loading its CPU');
  });

  it('holds a flag for an offline gateway until it reconnects, and fails it after the operation timeout', async () => {
    running = await startManualSimulator({ devices: 100, seed: 7, profile: { offlineDevices: { share: 0.1, offlineForMs: [10 * MINUTE, 20 * MINUTE] } } });
    const offline = (await running.http.inventory({ limit: 100 })).devices.filter((device) => !device.online).map((device) => device.id);
    assert.equal(offline.length, 10);
    await running.http.setFlags(offline.map((id) => flagCommand(id, true)));
    running.clock.advance(5 * MINUTE);
    const waiting = await running.http.latestOperations({ correlationId: 'flags-a', deviceIds: offline, kind: 'flag' });
    assert.ok(waiting.every((operation) => operation.state === 'queued'));
    running.clock.advance(20 * MINUTE);
    const applied = await running.http.flagStates(offline);
    assert.ok(applied.every((state) => state.online && state.flags[FLAG] === true));

    running = await restartWith(running, { devices: 100, seed: 7, profile: { offlineDevices: { share: 0.1, offlineForMs: [2 * 60 * MINUTE, 3 * 60 * MINUTE] } } });
    const away = (await running.http.inventory({ limit: 100 })).devices.filter((device) => !device.online).map((device) => device.id);
    await running.http.setFlags(away.map((id) => flagCommand(id, true)));
    running.clock.advance(31 * MINUTE);
    const expired = await running.http.latestOperations({ correlationId: 'flags-a', deviceIds: away, kind: 'flag' });
    assert.deepEqual(new Set(expired.map((operation) => `${operation.state} ${operation.errorCode}`)), new Set(['failed QUEUE_TIMEOUT']));
    assert.ok((await running.http.flagStates(away)).every((state) => state.flags[FLAG] === undefined));
  });

  it("raises the crash rate of the bad-flag profile's cohort while the flag is on, and counts crashes from the flag's change", async () => {
    running = await startManualSimulator({ devices: 60, seed: 5, profile: 'bad-flag' });
    const devices = (await running.http.inventory({ limit: 100 })).devices.filter((device) => device.online);
    await running.http.setFlags(devices.map((device) => flagCommand(device.id, true)));
    running.clock.advance(60 * MINUTE);
    const states = new Map((await running.http.flagStates(devices.map((device) => device.id))).map((state) => [state.deviceId, state]));
    const crashes = (revision: string) =>
      devices.filter((device) => device.attributes.hardwareRevision === revision).reduce((total, device) => total + states.get(device.id)!.crashCount, 0);
    assert.ok(crashes('rev-b') > 10 * Math.max(1, crashes('rev-a') + crashes('rev-c')), `rev-b ${crashes('rev-b')} crashes vs ${crashes('rev-a') + crashes('rev-c')} elsewhere`);
    const health = await running.http.health(devices.map((device) => device.id));
    assert.ok(health.every((entry) => entry.firmwareUptimeSeconds > states.get(entry.deviceId)!.flagsUptimeSeconds), 'the flag clock starts at the change, not at the image');
  });

  it('refuses a flag command with a malformed flag name, naming the field', async () => {
    running = await startManualSimulator({ devices: 5, seed: 1, profile: 'clean' });
    const [device] = (await running.http.inventory({ limit: 1 })).devices;
    await assert.rejects(running.http.setFlags([{ ...flagCommand(device!.id, true), flag: 'New Sensor' }]), (error: unknown) => {
      assert.ok(error instanceof FleetRequestRejected);
      assert.equal(error.status, 400);
      assert.match(error.message, /devices\.0\.flag/);
      return true;
    });
  });
});

async function restartWith(previous: ManualSimulator, options: SimulatorOptions): Promise<ManualSimulator> {
  await previous.served.close();
  return startManualSimulator(options);
}
