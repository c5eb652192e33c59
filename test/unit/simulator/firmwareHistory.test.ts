import assert from 'node:assert/strict';
import { crashExposure, measuredBaseline } from '../../../src/engine/model/health/observation';
import { HealthBaseline } from '../../../src/engine/model/health/triggers';
import { ManualClock } from '../../../rig/simulator/clock';
import { DEFAULT_MODEL } from '../../../rig/simulator/model';
import { SimulatedFleet } from '../../../rig/simulator/simulatedFleet';

const FIRMWARE = { version: '2.0.0', url: 'http://127.0.0.1/fw.bin', sha256: 'a'.repeat(64), sizeBytes: 1024 * 1024, signature: 'unchecked', keyId: 'test' };

async function fleetAtStart(seed: number) {
  const clock = new ManualClock(1000);
  const fleet = new SimulatedFleet({ devices: 200, seed, profile: 'field' }, clock);
  const devices = (await fleet.inventory({ limit: 1000 })).devices;
  return { clock, fleet, ids: devices.map((device) => device.id), online: devices.filter((device) => device.online).map((device) => device.id) };
}

describe('what gateways report about the firmware they run', () => {
  it('gives a rollout starting at plan time 0 a baseline at the fleet\'s own crash rate', async () => {
    for (const seed of [1, 2, 3]) {
      const { fleet, ids } = await fleetAtStart(seed);
      const reports = await fleet.health(ids);
      const sample = { devices: reports.length, online: reports.length, ...crashExposure(reports) };
      assert.ok(sample.firmwareHours >= 200 * 7 * 24, 'every gateway has run its image for days');
      const { crashRatePerDeviceHour } = measuredBaseline(sample, HealthBaseline.parse({ crashRatePerDeviceHour: 0.002, connectivityRate: 0.99 }));
      const rate = DEFAULT_MODEL.gateway.baseCrashesPerHour;
      assert.ok(Math.abs(crashRatePerDeviceHour / rate - 1) < 0.1, `seed ${seed}: ${crashRatePerDeviceHour} per device-hour, the model's rate is ${rate}`);
    }
  });

  it('counts crashes and firmware uptime from the update on, not from the old image', async () => {
    const { clock, fleet, online } = await fleetAtStart(1);
    const deviceId = online[0]!;
    const [before] = await fleet.health([deviceId]);
    await fleet.startUpdates([{ deviceId, idempotencyKey: `r/${deviceId}/1`, correlationId: 'r', firmware: FIRMWARE }]);
    clock.advance(60 * 60_000);
    const [after] = await fleet.health([deviceId]);
    assert.equal(after!.firmwareVersion, '2.0.0');
    assert.ok(before!.crashCount > 0 && after!.crashCount < before!.crashCount);
    assert.ok(after!.firmwareUptimeSeconds > 40 * 60 && after!.firmwareUptimeSeconds < 60 * 60);
  });
});
