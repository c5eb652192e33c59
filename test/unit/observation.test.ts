import assert from 'node:assert/strict';
import { crashExposure, measuredBaseline, stillUnresponsive, toObservation } from '../../src/engine/model/health/observation';
import { HealthBaseline, HealthPolicy, evaluateHealth } from '../../src/engine/model/health/triggers';

describe('unresponsive devices', () => {
  const health = { updated: 50, exposed: 50, crashes: 0, firmwareHours: 50, reverted: 0, unresponsive: ['gw-7'], connectivityRate: 0.98 };
  const judge = (unresponsive: string[]) =>
    evaluateHealth(toObservation(health, unresponsive), HealthBaseline.parse({ crashRatePerDeviceHour: 0.01, connectivityRate: 0.98 }), HealthPolicy.parse({})).verdict;

  it('counts only devices silent at two polls in a row', () => {
    assert.deepEqual(stillUnresponsive([], ['gw-7']), []);
    assert.deepEqual(stillUnresponsive(['gw-3', 'gw-7'], ['gw-7', 'gw-9']), ['gw-7']);
  });

  it('does not roll back a fleet over one missed check-in, but does over a device that stays silent', () => {
    assert.notEqual(judge(stillUnresponsive([], health.unresponsive)), 'rollback');
    assert.equal(judge(stillUnresponsive(['gw-7'], health.unresponsive)), 'rollback');
  });
});

describe('the fleet baseline', () => {
  const fallback = HealthBaseline.parse({ crashRatePerDeviceHour: 0.002, connectivityRate: 0.99 });
  it("takes the fleet's own crash and check-in rates from a big enough sample", () => {
    assert.deepEqual(measuredBaseline({ devices: 200, online: 196, crashes: 20, firmwareHours: 2000 }, fallback), { crashRatePerDeviceHour: 0.01, connectivityRate: 0.98 });
  });
  it("keeps the plan's crash rate when too few crashes were seen, and all of it for a small sample", () => {
    assert.equal(measuredBaseline({ devices: 200, online: 200, crashes: 2, firmwareHours: 2000 }, fallback).crashRatePerDeviceHour, 0.002);
    assert.deepEqual(measuredBaseline({ devices: 10, online: 5, crashes: 50, firmwareHours: 10 }, fallback), fallback);
  });
});

describe('crashes per device-hour on the firmware each device runs', () => {
  const baseline = HealthBaseline.parse({ crashRatePerDeviceHour: 0.002, connectivityRate: 0.99 });
  const HOUR = 3600;

  it('sums crashes and device-hours, each device counted from its own activation of its firmware', () => {
    assert.deepEqual(crashExposure([{ crashCount: 1, firmwareUptimeSeconds: 2 * HOUR }, { crashCount: 0, firmwareUptimeSeconds: 4 * HOUR }]), { crashes: 1, firmwareHours: 6 });
  });

  it('judges a stage by the hours its devices have run the new firmware, not by the time since the stage began', () => {
    // 100 devices updated one after another over 9 hours, polled 1 hour after the last: 550 device-hours, not 100 × 10.
    const reports = Array.from({ length: 100 }, (_, index) => ({ crashCount: index < 2 ? 1 : 0, firmwareUptimeSeconds: (1 + (9 * index) / 99) * HOUR }));
    const stage = { updated: 100, exposed: 100, reverted: 0, unresponsive: [], ...crashExposure(reports) };
    const observation = toObservation(stage, []);
    assert.ok(Math.abs(observation.exposedDevices * observation.exposureHours - 550) < 1e-9);
    assert.equal(observation.crashes, 2);
  });

  it('finds a healthy fleet as healthy when the baseline and the stage count the same way', () => {
    // The old firmware has run 30 days on 200 devices, the new one 5 hours on 100; both crash at 0.01 an hour.
    const fleet = { devices: 200, online: 200, ...crashExposure(Array.from({ length: 200 }, () => ({ crashCount: 7, firmwareUptimeSeconds: 30 * 24 * HOUR }))) };
    const measured = measuredBaseline(fleet, baseline);
    assert.ok(Math.abs(measured.crashRatePerDeviceHour - 7 / 720) < 1e-12);
    const reports = Array.from({ length: 100 }, (_, index) => ({ crashCount: index < 5 ? 1 : 0, firmwareUptimeSeconds: 5 * HOUR }));
    const stage = { updated: 100, exposed: 100, reverted: 0, unresponsive: [], connectivityRate: 1, ...crashExposure(reports) };
    const evaluation = evaluateHealth(toObservation(stage, []), measured, HealthPolicy.parse({}));
    assert.equal(evaluation.verdict, 'healthy');
    assert.ok(Math.abs(evaluation.measurements.find((m) => m.metric === 'crashRate')!.measured - 5 / ((100 * 5 * 7) / 720)) < 1e-9);
  });
});
