import assert from 'node:assert/strict';
import {
  SignificancePolicy,
  expectedCount,
  isSignificant,
  poissonUpperTail,
  smallestSignificantCount,
  testCount,
} from '../../../src/engine/model/health/poisson';
import { assertClose } from './approx';

const defaults = SignificancePolicy.parse({});

describe('health/poisson', () => {
  describe('expectedCount', () => {
    it('multiplies devices, hours and the per-device-hour rate', () => {
      assert.equal(expectedCount({ exposedDevices: 200, exposureHours: 3, baselineRatePerDeviceHour: 0.01 }), 6);
    });
  });

  describe('poissonUpperTail', () => {
    // Reference values from mpmath (50 digits): the regularized lower incomplete gamma P(k, λ).
    const references: [observed: number, lambda: number, tail: number][] = [
      [1, 0.25, 0.22119921692859513],
      [2, 0.25, 0.026499021160743914],
      [6, 2.5, 0.042021038195306118],
      [17, 10, 0.027041609784801128],
      [100, 1, 3.9812808189568544e-159],
      [1, 1e-9, 9.99999999500000e-10],
      [3000, 2000, 2.2871778149731668e-96],
      [997_000, 1e6, 0.99865821483426227],
      [1_000_000, 1e6, 0.50013298076087259],
      [1_003_000, 1e6, 0.0013580352726831283],
      [1_005_000, 1e6, 2.934034048031641e-7],
    ];
    for (const [observed, lambda, tail] of references) {
      it(`P(X ≥ ${observed} | λ = ${lambda}) = ${tail}`, () => {
        assertClose(poissonUpperTail(observed, lambda), tail, 1e-10);
      });
    }

    it('is 1 for a count of zero and 0 for any count when nothing is expected', () => {
      assert.equal(poissonUpperTail(0, 7), 1);
      assert.equal(poissonUpperTail(1, 0), 0);
    });

    it('stays finite at the extremes: 1 far below the mean, 0 (not NaN) far above it', () => {
      assert.equal(poissonUpperTail(1000, 1e6), 1);
      assert.equal(poissonUpperTail(5000, 1000), 0);
    });

    it('falls as the count rises, across the switch between its two sums', () => {
      const tails = Array.from({ length: 120 }, (_, k) => poissonUpperTail(k, 50));
      tails.slice(1).forEach((tail, index) => assert.ok(tail <= (tails[index] ?? 0), `tail rose at k = ${index + 1}`));
    });

    it('rejects counts that are not whole and rates that are negative', () => {
      assert.throws(() => poissonUpperTail(2.5, 1), RangeError);
      assert.throws(() => poissonUpperTail(2, -1), RangeError);
    });
  });

  describe('smallestSignificantCount', () => {
    it('finds the first count whose tail is at most alpha', () => {
      assert.equal(smallestSignificantCount(2.5, 0.05), 6);
      assert.equal(smallestSignificantCount(2.5, 0.01), 8);
      assert.equal(smallestSignificantCount(10, 0.001), 22);
    });

    it('holds the defining inequality for a million expected events', () => {
      const count = smallestSignificantCount(1e6, 0.05);
      assert.ok(poissonUpperTail(count, 1e6) <= 0.05);
      assert.ok(poissonUpperTail(count - 1, 1e6) > 0.05);
      assert.equal(count, 1_001_646);
    });

    it('is a single event when nothing is expected', () => {
      assert.equal(smallestSignificantCount(0, 0.05), 1);
    });
  });

  describe('testCount and the minimum-sample rule', () => {
    const fiveDevicesOneHour = { exposedDevices: 5, exposureHours: 1, baselineRatePerDeviceHour: 0.002 };

    it('does not call 2 crashes on 5 devices significant, though their p-value is tiny', () => {
      const result = testCount({ ...fiveDevicesOneHour, observed: 2 }, defaults);
      assertClose(result.pValue, 4.9667913340265892e-5, 1e-10);
      assert.equal(result.sufficientSample, false);
      assert.equal(result.significant, false);
    });

    it('calls 3 crashes on the same devices significant', () => {
      assert.equal(isSignificant({ ...fiveDevicesOneHour, observed: 3 }, defaults), true);
    });

    it('takes the minimum from the policy', () => {
      const policy = SignificancePolicy.parse({ minimumObservedCount: 2 });
      assert.equal(isSignificant({ ...fiveDevicesOneHour, observed: 2 }, policy), true);
    });

    it('compares the p-value with alpha', () => {
      const exposure = { exposedDevices: 1250, exposureHours: 1, baselineRatePerDeviceHour: 0.002 }; // λ = 2.5
      assert.equal(isSignificant({ ...exposure, observed: 5 }, defaults), false); // p ≈ 0.109
      assert.equal(isSignificant({ ...exposure, observed: 6 }, defaults), true); // p ≈ 0.042
      assert.equal(isSignificant({ ...exposure, observed: 6 }, SignificancePolicy.parse({ alpha: 0.01 })), false);
    });
  });

  describe('SignificancePolicy', () => {
    it('defaults to alpha 0.05 and a minimum of 3 events', () => {
      assert.deepEqual(defaults, { alpha: 0.05, minimumObservedCount: 3 });
    });

    it('rejects an alpha outside (0, 1) and unknown settings', () => {
      assert.equal(SignificancePolicy.safeParse({ alpha: 0 }).success, false);
      assert.equal(SignificancePolicy.safeParse({ alfa: 0.05 }).success, false);
    });
  });
});
