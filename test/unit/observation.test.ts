import assert from 'node:assert/strict';
import { measuredBaseline, stillUnresponsive, toObservation } from '../../src/domain/health/observation';
import { HealthBaseline, HealthPolicy, evaluateHealth } from '../../src/domain/health/triggers';

describe('unresponsive devices', () => {
  const health = { updated: 50, exposed: 50, crashes: 0, reverted: 0, unresponsive: ['gw-7'], connectivityRate: 0.98 };
  const judge = (unresponsive: string[]) =>
    evaluateHealth(toObservation(health, 1, unresponsive), HealthBaseline.parse({ crashRatePerDeviceHour: 0.01, connectivityRate: 0.98 }), HealthPolicy.parse({})).verdict;

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
    assert.deepEqual(measuredBaseline({ devices: 200, online: 196, crashes: 20, uptimeHours: 2000 }, fallback), { crashRatePerDeviceHour: 0.01, connectivityRate: 0.98 });
  });
  it("keeps the plan's crash rate when too few crashes were seen, and all of it for a small sample", () => {
    assert.equal(measuredBaseline({ devices: 200, online: 200, crashes: 2, uptimeHours: 2000 }, fallback).crashRatePerDeviceHour, 0.002);
    assert.deepEqual(measuredBaseline({ devices: 10, online: 5, crashes: 50, uptimeHours: 10 }, fallback), fallback);
  });
});
