import assert from 'node:assert/strict';
import { stillUnresponsive, toObservation } from '../../src/domain/health/observation';
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
