import assert from 'node:assert/strict';
import type { Operation } from '../../../src/engine/ports/fleetProvider';
import { ManualClock } from '../../../rig/simulator/clock';
import { DEFAULT_MODEL } from '../../../rig/simulator/model';
import { FailureProfile, type FailureProfileInput } from '../../../rig/simulator/profiles';
import { SimulatedFleet } from '../../../rig/simulator/simulatedFleet';
import { generateGateways } from '../../../rig/simulator/traits';
import { generateDevices } from '../../../rig/fleet/generateDevices';

const MINUTE = 60_000;
const FIRMWARE = { version: '2.0.0', url: 'http://127.0.0.1/fw.bin', sha256: 'a'.repeat(64), sizeBytes: 150 * 1024 * 1024, signature: 'unchecked', keyId: 'test' };

function simulate(profile: FailureProfileInput, devices = 30) {
  const clock = new ManualClock(1000);
  return { clock, fleet: new SimulatedFleet({ devices, seed: 21, profile: FailureProfile.parse(profile) }, clock) };
}

async function updateAll(fleet: SimulatedFleet, correlationId = 'r', generation = 1): Promise<string[]> {
  const ids = (await fleet.inventory({ limit: 1000 })).devices.map((device) => device.id);
  await fleet.startUpdates(ids.map((deviceId) => ({ deviceId, idempotencyKey: `${correlationId}/${deviceId}/${generation}`, correlationId, firmware: FIRMWARE })));
  return ids;
}

async function latest(fleet: SimulatedFleet, ids: string[], correlationId = 'r'): Promise<Map<string, Operation>> {
  return new Map((await fleet.latestOperations({ correlationId, deviceIds: ids })).map((operation) => [operation.deviceId, operation]));
}

describe('simulated gateways and failure profiles', () => {
  it('gives hardware revisions the shares hardwareMix names, and without it the draws as before', () => {
    const spec = { devices: 3000, seed: 4, firmwareVersion: '1.0.0', model: DEFAULT_MODEL };
    const revisions = (profile: FailureProfileInput) => generateGateways({ ...spec, profile: FailureProfile.parse(profile) }).map((gateway) => gateway.device.attributes.hardwareRevision);
    const mixed = revisions({ hardwareMix: { 'rev-a': 0.45, 'rev-b': 0.1, 'rev-c': 0.45 } });
    const share = mixed.filter((revision) => revision === 'rev-b').length / mixed.length;
    assert.ok(Math.abs(share - 0.1) < 0.02, `rev-b is ${share} of the fleet`);
    assert.deepEqual(revisions({}), generateDevices({ count: 3000, seed: 4 }).map((device) => device.attributes.hardwareRevision));
    assert.throws(() => FailureProfile.parse({ hardwareMix: { 'rev-a': 0.5, 'rev-b': 0.4 } }), /add up to 1/);
  });

  it('picks exact shares of the fleet, the same ones for the same seed', () => {
    const spec = { devices: 200, seed: 4, firmwareVersion: '1.0.0', model: DEFAULT_MODEL, profile: FailureProfile.parse({ flakyLinks: { share: 0.05 }, offlineDevices: { share: 0.1 } }) };
    const gateways = generateGateways(spec);
    assert.equal(gateways.filter((gateway) => gateway.flakyLink).length, 10);
    assert.equal(gateways.filter((gateway) => gateway.offlineUntilMs !== undefined).length, 20);
    assert.deepEqual(generateGateways(spec), gateways);
    assert.notDeepEqual(generateGateways({ ...spec, seed: 5 }), gateways);
  });

  it('rolls a crashing image back on the device, on the bad hardware revision only', async () => {
    const { clock, fleet } = simulate({ badFirmware: { hardwareRevision: 'rev-b', crashMultiplier: 1e6 } });
    const ids = await updateAll(fleet);
    clock.advance(60 * MINUTE);
    const operations = await latest(fleet, ids);
    const devices = new Map(fleet.devices().map((device) => [device.deviceId, device]));
    for (const id of ids) {
      const badRevision = devices.get(id)!.hardwareRevision === 'rev-b';
      assert.equal(operations.get(id)!.state, badRevision ? 'rolled_back' : 'succeeded', id);
      assert.equal(devices.get(id)!.firmwareVersion, badRevision ? '1.0.0' : '2.0.0', id);
      if (badRevision) assert.equal(operations.get(id)!.errorCode, 'HEALTH_CHECK_FAILED');
    }
    assert.equal(fleet.outcome('2.0.0').needsManualIntervention, 0);
  });

  it('resumes a download cut by a flaky link from its last whole chunk; the stock agent wedges', async () => {
    const flaky = { flakyLinks: { share: 1, disconnectsPerHour: 4 } };
    const run = async (resumableDownload: boolean) => {
      const { clock, fleet } = simulate(flaky, 10);
      const ids = (await fleet.inventory({ limit: 1000 })).devices.map((device) => device.id);
      await fleet.startUpdates(ids.map((deviceId) => ({ deviceId, idempotencyKey: `r/${deviceId}/1`, correlationId: 'r', firmware: FIRMWARE, resumableDownload })));
      clock.advance(60 * MINUTE);
      return { operations: await latest(fleet, ids), outcome: fleet.outcome('2.0.0'), metrics: fleet.metrics(), dropped: fleet.devices().filter((device) => device.disconnections > 0).length };
    };
    const stock = await run(false);
    const resumable = await run(true);
    assert.ok(stock.dropped > 0 && stock.dropped === resumable.dropped, 'the same links drop either way');
    assert.equal(stock.outcome.wedged, [...stock.operations.values()].filter((operation) => operation.errorCode === 'DOWNLOAD_INTERRUPTED').length);
    assert.ok(stock.outcome.wedged > 0);
    assert.equal(resumable.outcome.wedged, 0);
    assert.ok(resumable.outcome.updated > stock.outcome.updated, `${resumable.outcome.updated} vs ${stock.outcome.updated} updated`);
    const chunk = DEFAULT_MODEL.network.resumableChunkBytes;
    assert.ok(resumable.metrics.uplink.bytesWasted <= chunk * resumable.metrics.devices.disconnections, 'at most a chunk lost per drop');
    assert.ok(resumable.metrics.uplink.bytesWasted < stock.metrics.uplink.bytesWasted);
  });

  it('browns out gateways flashed on a low battery: dead until someone charges them', async () => {
    const { clock, fleet } = simulate({ lowBatteries: { share: 1, batteryPercent: [10, 20] } });
    const ids = await updateAll(fleet);
    const batteryBacked = new Set((await fleet.vitals(ids)).filter((vitals) => vitals.batteryPercent !== null).map((vitals) => vitals.deviceId));
    assert.ok(batteryBacked.size > 0);
    clock.advance(60 * MINUTE);
    const operations = await latest(fleet, ids);
    for (const id of ids) assert.equal(operations.get(id)!.errorCode, batteryBacked.has(id) ? 'POWER_LOSS' : undefined, id);
    const outcome = fleet.outcome('2.0.0');
    assert.equal(outcome.dead, batteryBacked.size);
    assert.equal(outcome.needsManualIntervention, batteryBacked.size);
  });

  it('holds commands for offline gateways until the operation times out; they come back by themselves', async () => {
    const { clock, fleet } = simulate({ offlineDevices: { share: 1, offlineForMs: [2 * 60 * MINUTE, 3 * 60 * MINUTE] } }, 5);
    const ids = await updateAll(fleet);
    clock.advance(29 * MINUTE);
    assert.ok([...(await latest(fleet, ids)).values()].every((operation) => operation.state === 'queued'));
    clock.advance(2 * MINUTE);
    assert.ok([...(await latest(fleet, ids)).values()].every((operation) => operation.errorCode === 'QUEUE_TIMEOUT'));
    assert.ok((await fleet.vitals(ids)).every((vitals) => !vitals.online));
    clock.advance(3 * 60 * MINUTE);
    assert.ok((await fleet.vitals(ids)).every((vitals) => vitals.online));
    assert.equal(fleet.outcome('2.0.0').needsManualIntervention, 0);
  });

  it('wedges the update agent when a download is cut off: it refuses the next update', async () => {
    const { clock, fleet } = simulate({ flakyLinks: { share: 1, disconnectsPerHour: 1000 } }, 5);
    const ids = await updateAll(fleet);
    clock.advance(30 * MINUTE);
    assert.ok([...(await latest(fleet, ids)).values()].every((operation) => operation.errorCode === 'DOWNLOAD_INTERRUPTED'));
    await updateAll(fleet, 'r', 2);
    clock.advance(60 * MINUTE);
    assert.ok([...(await latest(fleet, ids)).values()].every((operation) => operation.errorCode === 'DEVICE_BUSY'));
    assert.equal(fleet.outcome('2.0.0').wedged, 5);
    assert.ok((await fleet.vitals(ids)).every((vitals) => !vitals.connectivityStable));
  });

  it('refuses a rollback to a version the gateway has no image of', async () => {
    const { clock, fleet } = simulate({}, 1);
    const [deviceId] = (await fleet.inventory({ limit: 1 })).devices.map((device) => device.id);
    await fleet.startRollbacks([{ deviceId: deviceId!, idempotencyKey: 'rb', correlationId: 'r', targetVersion: '0.9.0' }]);
    clock.advance(MINUTE);
    const [operation] = await fleet.latestOperations({ correlationId: 'r', deviceIds: [deviceId!], kind: 'rollback' });
    assert.equal(operation!.errorCode, 'NO_PREVIOUS_IMAGE');
  });
});
