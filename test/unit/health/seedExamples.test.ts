import assert from 'node:assert/strict';
import {
  StageDurationPolicy,
  allocateStages,
  expectedFailingDevices,
  planStageCrashes,
  recommendedStageDurationHours,
  stageDurationHours,
} from '../../../src/engine/model/health/planning';
import { expectedCount, poissonUpperTail } from '../../../src/engine/model/health/poisson';
import { HealthPolicy, evaluateHealth } from '../../../src/engine/model/health/triggers';
import { assertClose } from './approx';

describe('health: the seeds\' worked examples', () => {
  describe('002 "Canary Crash Rate Statistical Significance": smart meters, 0.002 crashes per device-hour', () => {
    const canary = { exposedDevices: 1250, exposureHours: 4, baselineRatePerDeviceHour: 0.002 };

    it('50 crashes an hour across 25,000 meters', () => {
      assertClose(expectedCount({ ...canary, exposedDevices: 25_000, exposureHours: 1 }), 50);
    });

    it('1,250 devices for 4 hours expect 10 crashes', () => {
      assertClose(expectedCount(canary), 10);
    });

    it('P(X ≥ 40 | λ = 10) < 0.001 (it is 7.34e-13)', () => {
      const pValue = poissonUpperTail(40, 10);
      assert.ok(pValue < 0.001);
      assertClose(pValue, 7.3416363145604714e-13, 1e-10);
    });

    it('40 observed crashes are 4× baseline and halt the rollout: pause, 48 hours to decide', () => {
      const result = evaluateHealth(
        { ...canary, crashes: 40, connectivityRate: 0.99, rollbacks: 0, unresponsiveDevices: 0 },
        { crashRatePerDeviceHour: 0.002, connectivityRate: 0.99 },
        HealthPolicy.parse({}),
      );
      assert.equal(result.verdict, 'pause');
      assert.equal(result.severity, 'moderate');
      assert.equal(result.response?.deadline, '48 hours');
      assertClose(result.triggers[0]?.measured ?? 0, 4);
    });
  });

  describe('002 "How to Calculate Stage Duration": 0.5 % affected, MTTF 4 h, 1,000-device canary', () => {
    const bug = { mttfHours: 4, stageDevices: 1000, affectedFraction: 0.005 };

    it('expects 5 failing devices', () => {
      assertClose(expectedFailingDevices(bug.stageDevices, bug.affectedFraction), 5);
    });

    it('Duration = MTTF / (Stage_Size × Failure_Rate) = 4 h / 5 = 0.8 h (the seed never evaluates it)', () => {
      assertClose(stageDurationHours(bug), 0.8);
    });

    it('minimum 4 hours (one MTTF cycle), recommended 12 hours (3× MTTF)', () => {
      const minimum = StageDurationPolicy.parse({ mttfCycles: 1, failuresToObserve: 1 });
      assertClose(recommendedStageDurationHours(bug, minimum), 4);
      assertClose(recommendedStageDurationHours(bug, StageDurationPolicy.parse({})), 12);
    });
  });

  describe('002 "Staged Rollout Timing for Smart Thermostat Fleet": 250,000 devices, 0.02 % crashes per device-day', () => {
    const perDeviceHour = 0.0002 / 24;
    const threeTimes = HealthPolicy.parse({ crashRateRatio: 3 });
    const plan = (exposedDevices: number, observationHours: number) =>
      planStageCrashes({ exposedDevices, exposureHours: observationHours, baselineRatePerDeviceHour: perDeviceHour }, threeTimes);

    it('stage 1, per device-day as the seed counts: 0.25 expected, pause threshold 0.75', () => {
      const stage = plan(1250, 24);
      assertClose(stage.expectedCrashes, 0.25);
      assertClose(stage.ratioLimit, 0.75);
    });

    it('stage 1 over its stated 6-hour window: 0.0625 expected, 3× is 0.1875', () => {
      const stage = plan(1250, 6);
      assertClose(stage.expectedCrashes, 0.0625);
      assertClose(stage.ratioLimit, 0.1875);
      assert.equal(stage.pauseThreshold, 3);
    });

    it('stage 2 (24 hours): 2.5 expected, alert threshold 7.5, so 8 crashes pause it', () => {
      const stage = plan(12_500, 24);
      assertClose(stage.expectedCrashes, 2.5);
      assertClose(stage.ratioLimit, 7.5);
      assert.equal(stage.significantCount, 6);
      assert.equal(stage.pauseThreshold, 8);
    });

    it('0.5 % → 5 % → 25 % → 100 %: 1,250 / 12,500 / 62,500 / 250,000 devices, 187,500 in the last stage', () => {
      const stages = allocateStages(250_000, [0.5, 5, 25, 100]);
      assert.deepEqual(stages.map((stage) => stage.cumulativeDevices), [1250, 12_500, 62_500, 250_000]);
      // The seed says "remaining 173,750", which subtracts 12,500 and 62,500 as if they were not cumulative.
      assert.deepEqual(stages.map((stage) => stage.devices), [1250, 11_250, 50_000, 187_500]);
    });
  });

  describe('000/001 seed plan: 200 gateways', () => {
    it('stages of 5, 20, 50 and 125 gateways are 2.5 % → 12.5 % → 37.5 % → 100 %', () => {
      assert.deepEqual(
        allocateStages(200, [2.5, 12.5, 37.5, 100]).map((stage) => stage.devices),
        [5, 20, 50, 125],
      );
    });
  });
});
