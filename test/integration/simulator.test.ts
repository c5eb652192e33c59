import assert from 'node:assert/strict';
import { FleetRequestFailed, FleetRequestRejected } from '../../src/adapters/fleet/fleetHttpErrors';
import type { HttpFleet } from '../../src/adapters/fleet/httpFleet';
import type { FirmwareRef, OperationState, UpdateCommand } from '../../src/engine/ports/fleetProvider';
import type { SimulatorOptions } from '../../rig/simulator/simulatedFleet';
import { startManualSimulator, type ManualSimulator } from '../helpers/manualSimulator';

const MINUTE = 60_000;
/** The simulator moves `sizeBytes`; it never checks the signature (the worker does, before any device). */
const FIRMWARE: FirmwareRef = {
  version: '2.0.0',
  url: 'http://127.0.0.1/firmware/2.0.0.bin',
  sha256: 'a'.repeat(64),
  sizeBytes: 150 * 1024 * 1024,
  signature: 'not-checked-by-the-fleet',
  keyId: 'test',
};

const updateCommand = (deviceId: string, correlationId = 'rollout-a', generation = 1): UpdateCommand => ({
  deviceId,
  idempotencyKey: `${correlationId}/${deviceId}/${generation}`,
  correlationId,
  firmware: FIRMWARE,
});


async function allDeviceIds(http: HttpFleet): Promise<string[]> {
  return (await http.inventory({ limit: 1000 })).devices.map((device) => device.id);
}

/** Advances plan time in steps, recording every state the operation was seen in. */
async function followOperation(running: ManualSimulator, deviceId: string, correlationId: string, untilMs: number): Promise<OperationState[]> {
  const seen: OperationState[] = [];
  for (let elapsed = 0; elapsed <= untilMs; elapsed += 10_000) {
    const [operation] = await running.http.latestOperations({ correlationId, deviceIds: [deviceId] });
    if (operation && seen.at(-1) !== operation.state) seen.push(operation.state);
    running.clock.advance(10_000);
  }
  return seen;
}

/** Plays a scripted operator against the simulator and returns what the fleet looks like afterwards. */
async function playStrategy(options: SimulatorOptions, batchSize: number) {
  const running = await startManualSimulator(options);
  try {
    const ids = await allDeviceIds(running.http);
    for (let start = 0; start < ids.length; start += batchSize) {
      await running.http.startUpdates(ids.slice(start, start + batchSize).map((id) => updateCommand(id)));
      running.clock.advance(20 * MINUTE);
    }
    running.clock.advance(3 * 60 * MINUTE);
    return { metrics: await running.sim.metrics(), outcome: await running.sim.outcome(FIRMWARE.version), devices: await running.sim.devices() };
  } finally {
    await running.served.close();
  }
}

describe('simulated fleet over the fleet REST contract', function () {
  this.timeout(30_000);

  describe('every port method through HttpFleet', () => {
    let running: ManualSimulator;

    beforeEach(async () => {
      running = await startManualSimulator({ devices: 30, seed: 11, profile: 'clean' });
    });

    afterEach(async () => {
      await running.served.close();
    });

    it('pages through the inventory', async () => {
      const first = await running.http.inventory({ limit: 12 });
      assert.equal(first.devices.length, 12);
      assert.ok(first.nextCursor);
      const second = await running.http.inventory({ limit: 100, cursor: first.nextCursor });
      assert.equal(second.nextCursor, undefined);
      const ids = [...first.devices, ...second.devices].map((device) => device.id);
      assert.equal(new Set(ids).size, 30);
      assert.ok(first.devices.every((device) => device.firmwareVersion === '1.0.0' && device.online));
    });

    it('reports vitals and health as the port defines them', async () => {
      const ids = await allDeviceIds(running.http);
      const inventory = new Map((await running.http.inventory({ limit: 100 })).devices.map((device) => [device.id, device]));
      const vitals = await running.http.vitals(ids);
      const health = await running.http.health(ids);
      assert.deepEqual(vitals.map((entry) => entry.deviceId), ids);
      for (const entry of vitals) {
        assert.equal(entry.batteryPercent === null, !inventory.get(entry.deviceId)!.attributes.batteryBacked);
        assert.ok(entry.cpuPercent >= 5 && entry.cpuPercent <= 30);
        assert.ok(entry.diskFreeMb >= 1000);
        assert.equal(entry.connectivityStable, true);
        assert.deepEqual(entry.criticalProcesses, []);
      }
      const before = new Map(health.map((entry) => [entry.deviceId, entry]));
      running.clock.advance(60 * MINUTE);
      for (const entry of await running.http.health(ids)) {
        assert.equal(entry.firmwareVersion, '1.0.0');
        assert.ok(before.get(entry.deviceId)!.firmwareUptimeSeconds >= 7 * 24 * 3600, 'gateways have run their image for days before the rollout');
        assert.equal(entry.firmwareUptimeSeconds - before.get(entry.deviceId)!.firmwareUptimeSeconds, 3600);
        assert.equal(entry.batteryDrainPercentPerHour === null, !inventory.get(entry.deviceId)!.attributes.batteryBacked);
      }
      assert.equal(health.length, ids.length);
    });

    it('moves an update through every state to the new image, and a rollback back to the old one', async () => {
      const [deviceId] = await allDeviceIds(running.http);
      const [started] = await running.http.startUpdates([updateCommand(deviceId!)]);
      assert.equal(started!.state, 'queued');
      const states = await followOperation(running, deviceId!, 'rollout-a', 30 * MINUTE);
      assert.deepEqual(states, ['queued', 'downloading', 'downloaded', 'installing', 'rebooting', 'succeeded']);
      const [health] = await running.http.health([deviceId!]);
      assert.equal(health!.firmwareVersion, '2.0.0');
      assert.ok(health!.firmwareUptimeSeconds <= 30 * 60, 'firmware uptime counts from the new image');

      await running.http.startRollbacks([{ deviceId: deviceId!, idempotencyKey: `rollback/${deviceId}`, correlationId: 'rollout-a', targetVersion: '1.0.0' }]);
      running.clock.advance(5 * MINUTE);
      const [rollback] = await running.http.latestOperations({ correlationId: 'rollout-a', deviceIds: [deviceId!], kind: 'rollback' });
      assert.equal(rollback!.state, 'succeeded');
      const [device] = (await running.http.inventory({ limit: 1 })).devices;
      assert.equal(device!.firmwareVersion, '1.0.0');
    });

    it('answers a repeated idempotency key with the existing operation and logs one accepted command', async () => {
      const ids = (await allDeviceIds(running.http)).slice(0, 3);
      const first = await running.http.startUpdates(ids.map((id) => updateCommand(id)));
      running.clock.advance(MINUTE);
      const again = await running.http.startUpdates(ids.map((id) => updateCommand(id)));
      assert.deepEqual(
        again.map((operation) => [operation.operationId, operation.duplicate]),
        first.map((operation) => [operation.operationId, true]),
      );
      assert.ok(again.every((operation) => operation.state === 'downloading'));
      assert.deepEqual([...running.fleet.acceptedCommands('update').values()], [1, 1, 1]);
      const logged = await running.sim.commands();
      assert.deepEqual(logged.map((entry) => entry.duplicate), [false, false, false, true, true, true]);
    });

    it('keeps the latest operation per correlation id and device', async () => {
      const [deviceId] = await allDeviceIds(running.http);
      await running.http.startUpdates([updateCommand(deviceId!, 'rollout-a')]);
      running.clock.advance(30 * MINUTE);
      await running.http.startUpdates([updateCommand(deviceId!, 'rollout-b')]);
      const [a] = await running.http.latestOperations({ correlationId: 'rollout-a', deviceIds: [deviceId!] });
      const [b] = await running.http.latestOperations({ correlationId: 'rollout-b', deviceIds: [deviceId!] });
      assert.equal(a!.state, 'succeeded');
      assert.equal(b!.state, 'queued');
      assert.notEqual(a!.operationId, b!.operationId);
      assert.deepEqual(await running.http.latestOperations({ correlationId: 'rollout-c', deviceIds: [deviceId!] }), []);
    });

    it('refuses unknown devices with 404 and creates nothing', async () => {
      const [deviceId] = await allDeviceIds(running.http);
      await assert.rejects(running.http.startUpdates([updateCommand(deviceId!), updateCommand('gw-99999')]), (error: unknown) => {
        assert.ok(error instanceof FleetRequestRejected);
        assert.equal(error.status, 404);
        assert.match(error.message, /gw-99999/);
        return true;
      });
      assert.equal(running.fleet.commandLog.length, 0);
    });
  });

  it('answers 429 with Retry-After once the management service is saturated', async () => {
    const running = await startManualSimulator({ devices: 200, seed: 5, profile: 'clean' });
    try {
      const ids = await allDeviceIds(running.http);
      await running.http.startUpdates(ids.map((id) => updateCommand(id)));
      running.clock.advance(10_000);
      await assert.rejects(running.http.vitals(ids.slice(0, 1)), (error: unknown) => {
        assert.ok(error instanceof FleetRequestFailed);
        assert.equal(error.details.status, 429);
        assert.equal(error.details.code, 'OVERLOADED');
        assert.equal(error.details.retryAfterMs, 60_000);
        return true;
      });
      const metrics = await running.sim.metrics();
      assert.equal(metrics.management.cpuPercent, 100);
      assert.ok(metrics.management.cpuDemandPercent > 300);
      assert.equal(metrics.management.requestsRefused, 1);
      assert.ok(metrics.management.operationsInFlight > 150);
    } finally {
      await running.served.close();
    }
  });

  it('is deterministic: the same seed gives the same fleet, another seed another', async () => {
    const options = { devices: 200, seed: 3, profile: 'field' } as const;
    const first = await playStrategy(options, 200);
    const second = await playStrategy(options, 200);
    const other = await playStrategy({ ...options, seed: 4 }, 200);
    assert.deepEqual(second, first);
    assert.notDeepEqual(other.devices, first.devices);
  });

  it('collapses under one bulk request for 200 gateways, and not under batches of 25', async () => {
    const bulk = await playStrategy({ devices: 200, seed: 1, profile: 'field' }, 200);
    const batches = await playStrategy({ devices: 200, seed: 1, profile: 'field' }, 25);

    assert.ok(bulk.outcome.successRate < 0.75, `bulk success ${bulk.outcome.successRate}`);
    assert.ok(bulk.metrics.management.peakCpuPercent >= 95);
    assert.ok(bulk.outcome.devicesDisconnectedByLoad >= 50, `bulk disconnections ${bulk.outcome.devicesDisconnectedByLoad}`);
    assert.ok(bulk.outcome.needsManualIntervention >= 50, `bulk manual ${bulk.outcome.needsManualIntervention}`);
    assert.ok(bulk.metrics.uplink.bytesWasted > 0);

    assert.ok(batches.outcome.successRate > 0.85, `batches success ${batches.outcome.successRate}`);
    assert.ok(batches.metrics.management.peakCpuPercent < 95);
    assert.equal(batches.outcome.devicesDisconnectedByLoad, 0);
    assert.ok(batches.outcome.needsManualIntervention < bulk.outcome.needsManualIntervention / 3);
  });

  it('serves the simulator routes: reset to plan time 0 with another seed', async () => {
    const running = await startManualSimulator({ devices: 20, seed: 1, profile: 'clean' });
    try {
      running.clock.advance(5 * MINUTE);
      const before = await running.sim.devices();
      const metrics = await running.sim.reset({ seed: 2 });
      assert.equal(metrics.clock.planTimeMs, 0);
      assert.equal(metrics.clock.speedup, null);
      assert.notDeepEqual(await running.sim.devices(), before);
      const response = await fetch(`${running.served.url}/sim/outcome`);
      assert.equal(response.status, 400);
    } finally {
      await running.served.close();
    }
  });
});
