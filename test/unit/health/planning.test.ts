import assert from 'node:assert/strict';
import {
  StageDurationPolicy,
  StagePercentages,
  allocateStages,
  planStageCrashes,
  recommendedStageDurationHours,
  stageDurationHours,
  withReducedNextStage,
} from '../../../src/engine/model/health/planning';
import { HealthPolicy, evaluateHealth } from '../../../src/engine/model/health/triggers';

describe('health/planning', () => {
  describe('stage duration', () => {
    it('divides the MTTF by the affected devices in the stage', () => {
      assert.equal(stageDurationHours({ mttfHours: 6, stageDevices: 300, affectedFraction: 0.01 }), 2);
    });

    it('lets the formula decide when few devices would be affected', () => {
      // 0.5 affected devices: one failure expected per 8 h, three per 24 h, longer than 3 × MTTF.
      const bug = { mttfHours: 4, stageDevices: 100, affectedFraction: 0.005 };
      assert.equal(recommendedStageDurationHours(bug, StageDurationPolicy.parse({})), 24);
    });
  });

  describe('planStageCrashes', () => {
    const policy = HealthPolicy.parse({});
    const exposures = [0.01, 0.3, 2.5, 10, 47, 1000].map((expected) => ({
      exposedDevices: 1000,
      exposureHours: 1,
      baselineRatePerDeviceHour: expected / 1000,
    }));

    for (const exposure of exposures) {
      const expected = exposure.baselineRatePerDeviceHour * 1000;
      it(`gives the exact count at which the crash trigger fires for λ = ${expected}`, () => {
        const { pauseThreshold } = planStageCrashes(exposure, policy);
        const verdict = (crashes: number) =>
          evaluateHealth(
            { ...exposure, crashes, connectivityRate: 1, rollbacks: 0, unresponsiveDevices: 0 },
            { crashRatePerDeviceHour: exposure.baselineRatePerDeviceHour, connectivityRate: 1 },
            policy,
          ).verdict;
        assert.notEqual(verdict(pauseThreshold), 'healthy');
        assert.equal(verdict(pauseThreshold - 1), 'healthy');
      });
    }
  });

  describe('allocateStages', () => {
    const seedPercents = StagePercentages.parse(undefined);

    it('defaults to 1 % → 5 % → 25 % → 100 %', () => {
      assert.deepEqual(seedPercents, [1, 5, 25, 100]);
    });

    it('turns cumulative percentages into the devices each stage adds', () => {
      assert.deepEqual(
        allocateStages(1000, seedPercents).map((stage) => stage.devices),
        [10, 40, 200, 750],
      );
    });

    it('gives every stage a device and the whole fleet across the stages, for any fleet size', () => {
      for (let fleetSize = 1; fleetSize <= 400; fleetSize++) {
        const stages = allocateStages(fleetSize, seedPercents);
        assert.equal(stages.length, Math.min(fleetSize, seedPercents.length));
        assert.ok(stages.every((stage) => stage.devices >= 1), `fleet of ${fleetSize}`);
        assert.equal(stages.reduce((sum, stage) => sum + stage.devices, 0), fleetSize);
        assert.equal(stages[stages.length - 1]?.cumulativeDevices, fleetSize);
      }
    });

    it('keeps early stages small on a small fleet', () => {
      assert.deepEqual(
        allocateStages(10, seedPercents).map((stage) => stage.devices),
        [1, 1, 1, 7],
      );
    });

    it('keeps the first stages and the last when the fleet has fewer devices than stages', () => {
      assert.deepEqual(allocateStages(2, seedPercents), [
        { cumulativePercent: 1, devices: 1, cumulativeDevices: 1 },
        { cumulativePercent: 100, devices: 1, cumulativeDevices: 2 },
      ]);
    });

    it('has nothing to allocate for an empty fleet', () => {
      assert.deepEqual(allocateStages(0, seedPercents), []);
    });

    it('does not lose a device to floating point', () => {
      assert.equal(allocateStages(10_000, [0.57, 100])[0]?.devices, 57);
    });

    it('rejects percentages that do not grow or do not reach 100', () => {
      assert.equal(StagePercentages.safeParse([1, 5, 5, 100]).success, false);
      assert.equal(StagePercentages.safeParse([1, 5, 25]).success, false);
      assert.equal(StagePercentages.safeParse([0, 100]).success, false);
    });
  });

  describe('withReducedNextStage', () => {
    it('inserts a stage covering the given share of the step to the next stage', () => {
      assert.deepEqual(withReducedNextStage([1, 5, 25, 100], 1, 0.5), [1, 5, 15, 25, 100]);
      assert.deepEqual(withReducedNextStage([1, 5, 25, 100], 0, 0.25), [1, 2, 5, 25, 100]);
    });

    it('leaves a finished plan as it is', () => {
      assert.deepEqual(withReducedNextStage([1, 5, 25, 100], 3, 0.5), [1, 5, 25, 100]);
    });
  });
});
