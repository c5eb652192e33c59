import assert from 'node:assert/strict';
import {
  CRASH_RATE_RATIO_BY_STAGE,
  HealthBaseline,
  type HealthObservation,
  HealthPolicy,
  evaluateHealth,
  policyPerLook,
} from '../../../src/engine/model/health/triggers';

const baseline = HealthBaseline.parse({ crashRatePerDeviceHour: 0.002, connectivityRate: 0.98, batteryDrain: 10 });
const defaults = HealthPolicy.parse({});

/** 1,000 devices for 10 hours: 20 crashes expected. */
const healthy: HealthObservation = {
  exposedDevices: 1000,
  exposureHours: 10,
  crashes: 20,
  connectivityRate: 0.98,
  batteryDrain: 10,
  rollbacks: 0,
  unresponsiveDevices: 0,
};

const evaluate = (changes: Partial<HealthObservation>, policy = defaults) =>
  evaluateHealth({ ...healthy, ...changes }, baseline, policy);

describe('health/triggers', () => {
  it('passes a stage that looks like the baseline', () => {
    const result = evaluate({});
    assert.equal(result.verdict, 'healthy');
    assert.equal(result.severity, 'none');
    assert.deepEqual(result.triggers, []);
    assert.deepEqual(result.missingMetrics, []);
    assert.equal(result.response, undefined);
  });

  it('reports every watched measurement, fired or not', () => {
    const metrics = evaluate({}).measurements.map((m) => m.metric);
    assert.deepEqual(metrics, ['crashRate', 'connectivityDrop', 'batteryDrainIncrease', 'rollbackRate', 'unresponsiveDevices']);
  });

  describe('crash rate', () => {
    it('pauses above 2× baseline when significant, with ratio, threshold and p-value', () => {
      const result = evaluate({ crashes: 50 });
      assert.equal(result.verdict, 'pause');
      assert.equal(result.severity, 'moderate');
      assert.equal(result.response?.deadline, '48 hours');
      const [trigger] = result.triggers;
      assert.equal(trigger?.metric, 'crashRate');
      assert.equal(trigger?.measured, 2.5);
      assert.equal(trigger?.threshold, 2);
      assert.ok(trigger?.pValue !== undefined && trigger.pValue < 1e-6);
    });

    it('spreads α over the looks of a rollout: a count significant at one look is not at 144, a crash loop still is', () => {
      // 20 expected, 32 seen: P(X ≥ 32 | 20) ≈ 0.008, under 0.05 but over 0.05 / 144.
      const alone = evaluate({ crashes: 32 }, HealthPolicy.parse({ crashRateRatio: 1.5 }));
      const amongMany = evaluate({ crashes: 32 }, policyPerLook(HealthPolicy.parse({ crashRateRatio: 1.5 }), 144));
      assert.equal(alone.verdict, 'pause');
      assert.equal(amongMany.verdict, 'healthy');
      assert.equal(evaluate({ crashes: 200 }, policyPerLook(defaults, 144)).verdict, 'rollback');
      assert.equal(policyPerLook(defaults, 144).significance.alpha, 0.05 / 144);
    });

    it('does not fire at exactly 2×', () => {
      assert.equal(evaluate({ crashes: 40 }).verdict, 'healthy');
    });

    it('does not fire above 2× when the excess could be chance', () => {
      // 1 expected, 3 seen: 3× but P(X ≥ 3 | 1) ≈ 0.08.
      const result = evaluate({ exposureHours: 0.5, crashes: 3 });
      assert.equal(result.verdict, 'healthy');
      assert.equal(result.measurements[0]?.measured, 3);
    });

    it('does not halt on 2 crashes from 5 devices (minimum-sample rule)', () => {
      assert.equal(evaluate({ exposedDevices: 5, exposureHours: 1, crashes: 2 }).verdict, 'healthy');
    });

    it('escalates to high at 5× and to rollback at 10×', () => {
      const high = evaluate({ crashes: 100 });
      assert.deepEqual([high.verdict, high.severity, high.response?.deadline], ['pause', 'high', '24 hours']);
      const critical = evaluate({ crashes: 200 });
      assert.deepEqual([critical.verdict, critical.severity, critical.response?.deadline], ['rollback', 'critical', '4 hours']);
    });

    it('uses the per-stage ratios of 002 when a plan picks them', () => {
      const full = HealthPolicy.parse({ crashRateRatio: CRASH_RATE_RATIO_BY_STAGE.full });
      assert.equal(evaluate({ crashes: 35 }).verdict, 'healthy');
      assert.equal(evaluate({ crashes: 35 }, full).verdict, 'pause');
    });
  });

  describe('connectivity, battery and rollback rate', () => {
    it('pauses when connectivity drops more than 5 % below the baseline', () => {
      const result = evaluate({ connectivityRate: 0.93 });
      assert.equal(result.verdict, 'pause');
      assert.equal(result.triggers[0]?.metric, 'connectivityDrop');
      assert.ok(Math.abs((result.triggers[0]?.measured ?? 0) - 0.05 / 0.98) < 1e-12);
      assert.equal(result.triggers[0]?.threshold, 0.05);
      assert.equal(evaluate({ connectivityRate: 0.935 }).verdict, 'healthy');
    });

    it('pauses when battery drain rises more than 20 %', () => {
      assert.equal(evaluate({ batteryDrain: 12.5 }).verdict, 'pause');
      assert.equal(evaluate({ batteryDrain: 11.5 }).verdict, 'healthy');
    });

    it('only monitors a battery rise when the plan takes the severity table\'s "low"', () => {
      const result = evaluate({ batteryDrain: 12.5 }, HealthPolicy.parse({ batteryDrainSeverity: 'low' }));
      assert.equal(result.verdict, 'monitor');
      assert.equal(result.severity, 'low');
      assert.equal(result.response?.action, 'continue_and_monitor');
      assert.equal(result.response?.deadline, '168 hours');
    });

    it('does not watch battery drain on a fleet without a battery baseline', () => {
      const mains = HealthBaseline.parse({ crashRatePerDeviceHour: 0.002, connectivityRate: 0.98 });
      const result = evaluateHealth({ ...healthy, batteryDrain: undefined }, mains, defaults);
      assert.equal(result.verdict, 'healthy');
    });

    it('pauses above a 10 % rollback rate, not at it', () => {
      assert.equal(evaluate({ rollbacks: 101 }).verdict, 'pause');
      assert.equal(evaluate({ rollbacks: 100 }).verdict, 'healthy');
    });
  });

  describe('unresponsive devices', () => {
    it('rolls back at once, within the hour', () => {
      const result = evaluate({ unresponsiveDevices: 1 });
      assert.equal(result.verdict, 'rollback');
      assert.equal(result.response?.deadline, '1 hour');
    });

    it('tolerates as many as the plan allows', () => {
      assert.equal(evaluate({ unresponsiveDevices: 2 }, HealthPolicy.parse({ unresponsiveDeviceLimit: 2 })).verdict, 'healthy');
    });

    it('answers the most urgent trigger: 1 hour beats a 10× crash rate\'s 4 hours', () => {
      const result = evaluate({ crashes: 200, unresponsiveDevices: 3, connectivityRate: 0.5 });
      assert.equal(result.triggers.length, 3);
      assert.equal(result.response?.deadline, '1 hour');
    });
  });

  describe('support tickets', () => {
    const withTickets = { ...baseline, supportTicketsPerDeviceHour: 0.001 }; // 10 expected

    it('pauses on twice the ticket rate, with 24 hours to decide', () => {
      const result = evaluateHealth({ ...healthy, supportTickets: 25 }, withTickets, defaults);
      assert.equal(result.verdict, 'pause');
      assert.equal(result.triggers[0]?.metric, 'supportTicketRatio');
      assert.equal(result.response?.deadline, '24 hours');
    });

    it('counts unreported tickets as missing once the baseline watches them', () => {
      assert.deepEqual(evaluateHealth(healthy, withTickets, defaults).missingMetrics, ['supportTicketRatio']);
    });
  });

  describe('missing data', () => {
    it('is its own verdict, not a pass', () => {
      const result = evaluate({ crashes: undefined, batteryDrain: undefined });
      assert.equal(result.verdict, 'missing_data');
      assert.deepEqual(result.missingMetrics, ['crashRate', 'batteryDrainIncrease']);
    });

    it('does not hide a trigger that fired on the data there is', () => {
      assert.equal(evaluate({ crashes: undefined, rollbacks: 500 }).verdict, 'pause');
    });

    it('covers every watched metric when nothing was exposed', () => {
      for (const exposure of [{ exposedDevices: 0 }, { exposureHours: 0 }]) {
        const result = evaluate({ ...exposure, unresponsiveDevices: 4 });
        assert.equal(result.verdict, 'missing_data');
        assert.equal(result.missingMetrics.length, 5);
      }
    });
  });

  describe('HealthPolicy', () => {
    it('defaults to the seed triggers: 2× crash, 5 % connectivity, +20 % battery, 10 % rollbacks', () => {
      assert.equal(defaults.crashRateRatio, 2);
      assert.equal(defaults.connectivityDrop, 0.05);
      assert.equal(defaults.batteryDrainIncrease, 0.2);
      assert.equal(defaults.rollbackRate, 0.1);
      assert.equal(defaults.significance.alpha, 0.05);
      assert.equal(defaults.severity.crashModerateHours, 48);
    });

    it('rejects misspelt settings', () => {
      assert.equal(HealthPolicy.safeParse({ crashRatio: 3 }).success, false);
    });
  });
});
