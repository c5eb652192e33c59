import { strict as assert } from 'node:assert';
import { cohortIncrements, deviceIncrement } from '../../../src/engine/model/health/readings';

const reading = (firmwareVersion: string, crashCount: number, hours: number) => ({ firmwareVersion, crashCount, firmwareUptimeSeconds: hours * 3600 });

describe('crash readings', () => {
  describe('deviceIncrement', () => {
    it('counts a device just seen on the new firmware from its own activation', () => {
      assert.deepEqual(deviceIncrement(reading('1.0.0', 40, 900), reading('2.0.0', 1, 2), '2.0.0'), { arm: 'updated', crashes: 1, firmwareHours: 2 });
      assert.deepEqual(deviceIncrement(undefined, reading('2.0.0', 0, 0.5), '2.0.0'), { arm: 'updated', crashes: 0, firmwareHours: 0.5 });
    });

    it('counts what the counters grew by between two polls on one firmware, in its arm', () => {
      assert.deepEqual(deviceIncrement(reading('2.0.0', 1, 2), reading('2.0.0', 3, 5), '2.0.0'), { arm: 'updated', crashes: 2, firmwareHours: 3 });
      assert.deepEqual(deviceIncrement(reading('1.0.0', 40, 900), reading('1.0.0', 41, 901), '2.0.0'), { arm: 'control', crashes: 1, firmwareHours: 1 });
    });

    it('never counts a control device before a reading of its firmware: its hours before the rollout or its rollback', () => {
      assert.equal(deviceIncrement(undefined, reading('1.0.0', 40, 900), '2.0.0'), undefined);
      assert.equal(deviceIncrement(reading('2.0.0', 5, 3), reading('1.0.0', 0, 0.2), '2.0.0'), undefined);
    });

    it('starts over when a counter went backwards (the firmware was activated again)', () => {
      assert.deepEqual(deviceIncrement(reading('2.0.0', 4, 5), reading('2.0.0', 1, 1), '2.0.0'), { arm: 'updated', crashes: 1, firmwareHours: 1 });
      assert.equal(deviceIncrement(reading('1.0.0', 4, 5), reading('1.0.0', 0, 1), '2.0.0'), undefined);
    });
  });

  it('sums device increments per cohort and arm, cohorts in name order', () => {
    const sums = cohortIncrements([
      { cohort: 'rev-b', increment: { arm: 'updated', crashes: 2, firmwareHours: 1 } },
      { cohort: 'rev-a', increment: { arm: 'control', crashes: 1, firmwareHours: 4 } },
      { cohort: 'rev-b', increment: { arm: 'updated', crashes: 1, firmwareHours: 2 } },
      { cohort: 'rev-b', increment: { arm: 'control', crashes: 0, firmwareHours: 5 } },
    ]);
    assert.deepEqual(sums, [
      { cohort: 'rev-a', updated: { crashes: 0, firmwareHours: 0 }, control: { crashes: 1, firmwareHours: 4 } },
      { cohort: 'rev-b', updated: { crashes: 3, firmwareHours: 3 }, control: { crashes: 0, firmwareHours: 5 } },
    ]);
  });
});
