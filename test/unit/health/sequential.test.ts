import { strict as assert } from 'node:assert';
import {
  accumulate,
  CONTROL_RATE_MIN_CRASHES,
  emptyEvidence,
  intervalLogRatio,
  logEValue,
  RATIO_ALTERNATIVES,
  rateRatio,
  referenceRate,
} from '../../../src/engine/model/health/sequential';
import { haltingLogEValue } from '../../../src/engine/model/health/cohortEvidence';
import { assertClose as approx } from './approx';
import { seededRandom } from '../../../src/engine/model/seededRandom';
import { poisson } from '../../../rig/simulator/random';

const exposure = (crashes: number, firmwareHours: number) => ({ crashes, firmwareHours });

describe('sequential crash test', () => {
  describe('intervalLogRatio', () => {
    it('compares with the concurrent control: x ln θ + n ln((t + s) / (θt + s))', () => {
      approx(intervalLogRatio(2, exposure(3, 10), exposure(1, 10), 0.1), 3 * Math.log(2) + 4 * Math.log(20 / 30));
    });

    it('compares with the reference rate when the control holds under a fifth of the hours: x ln θ − (θ − 1) λ₀ t', () => {
      approx(intervalLogRatio(2, exposure(3, 10), exposure(0, 1), 0.1), 3 * Math.log(2) - 1);
    });

    it('is 0 for an interval without hours on the new firmware', () => {
      assert.equal(intervalLogRatio(4, exposure(0, 0), exposure(5, 100), 0.01), 0);
    });

    it('has expectation 1 under "no regression": a martingale increment, for both comparisons', () => {
      for (const theta of RATIO_ALTERNATIVES) {
        const t = 7;
        const s = 13;
        const n = 6;
        const p = t / (t + s);
        let expectation = 0;
        for (let x = 0; x <= n; x++) expectation += binomial(n, x) * p ** x * (1 - p) ** (n - x) * Math.exp(intervalLogRatio(theta, exposure(x, t), exposure(n - x, s), 0));
        approx(expectation, 1, 1e-9);
        const lambda = 0.05;
        let poissonExpectation = 0;
        for (let x = 0; x < 80; x++) poissonExpectation += poissonPmf(x, lambda * t) * Math.exp(intervalLogRatio(theta, exposure(x, t), exposure(0, 0), lambda));
        approx(poissonExpectation, 1, 1e-9);
      }
    });
  });

  describe('accumulate and logEValue', () => {
    it('starts with no evidence (e-value 1)', () => {
      assert.equal(logEValue(emptyEvidence('rev-a')), 0);
    });

    it('sums arms and the log ratio of every alternative over intervals', () => {
      const once = accumulate(emptyEvidence('rev-b'), { cohort: 'rev-b', updated: exposure(3, 10), control: exposure(1, 10) }, 0.1);
      const twice = accumulate(once, { cohort: 'rev-b', updated: exposure(2, 5), control: exposure(2, 20) }, 0.1);
      assert.deepEqual(twice.updated, exposure(5, 15));
      assert.deepEqual(twice.control, exposure(3, 30));
      RATIO_ALTERNATIVES.forEach((theta, index) => {
        approx(twice.logRatios[index]!, intervalLogRatio(theta, exposure(3, 10), exposure(1, 10), 0.1) + intervalLogRatio(theta, exposure(2, 5), exposure(2, 20), 0.1));
      });
    });

    it('is the log of the mean likelihood ratio over the alternatives', () => {
      const evidence = { ...emptyEvidence('x'), logRatios: [0, Math.log(3), 0, 0, 0, 0, 0, Math.log(5)] };
      approx(logEValue(evidence), Math.log((1 + 3 + 1 + 1 + 1 + 1 + 1 + 5) / 8));
    });

    it('grows on a 4× regression and shrinks on none', () => {
      let bad = emptyEvidence('bad');
      let good = emptyEvidence('good');
      for (let hour = 0; hour < 50; hour++) {
        bad = accumulate(bad, { cohort: 'bad', updated: exposure(hour % 5 === 0 ? 2 : 0, 25), control: exposure(hour % 10 === 0 ? 1 : 0, 100) }, 0.01);
        good = accumulate(good, { cohort: 'good', updated: exposure(hour % 20 === 0 ? 1 : 0, 25), control: exposure(hour % 5 === 0 ? 1 : 0, 100) }, 0.01);
      }
      assert.ok(logEValue(bad) > Math.log(100), `bad firmware: ln e = ${logEValue(bad)}`);
      assert.ok(logEValue(good) < 0, `good firmware: ln e = ${logEValue(good)}`);
    });

    it('lets a fleet-wide rise in the crash rate cancel out against the control, where the baseline alone would halt', () => {
      // Six hours at twice the baseline of 0.01 on both arms: 500 device-hours and 10 crashes each, every hour.
      const surge = { cohort: 'rev-a', updated: exposure(10, 500), control: exposure(10, 500) };
      let withControl = emptyEvidence('rev-a');
      let baselineOnly = emptyEvidence('rev-a');
      for (let hour = 0; hour < 6; hour++) {
        withControl = accumulate(withControl, surge, 0.01);
        baselineOnly = accumulate(baselineOnly, { ...surge, control: exposure(0, 0) }, 0.01);
      }
      const halting = haltingLogEValue(0.01, 3);
      assert.ok(logEValue(withControl) < 0, `with the control: ln e = ${logEValue(withControl)}`);
      assert.ok(logEValue(baselineOnly) > halting, `against the baseline alone: ln e = ${logEValue(baselineOnly)}, halting at ${halting}`);
    });

    it('halts firmware as good as the old in at most α of rollouts, however often it is read (seeded, 400 rollouts of 300 polls)', () => {
      const random = seededRandom(7);
      const alpha = 0.05;
      let halted = 0;
      for (let run = 0; run < 400; run++) {
        let evidence = emptyEvidence('fleet');
        for (let poll = 0; poll < 300; poll++) {
          const updatedHours = Math.min(poll, 100) * 0.5;
          const controlHours = Math.max(0, 100 - poll) * 0.5;
          const rate = 0.05 * (1 + Math.sin(poll / 20));
          evidence = accumulate(evidence, { cohort: 'fleet', updated: exposure(poisson(random, rate * updatedHours), updatedHours), control: exposure(poisson(random, rate * controlHours), controlHours) }, 0.05);
          if (logEValue(evidence) >= Math.log(1 / alpha)) {
            halted += 1;
            break;
          }
        }
      }
      assert.ok(halted / 400 <= alpha, `halted ${halted} of 400`);
    });
  });

  describe('referenceRate', () => {
    it('takes the control once it rests on enough crashes and is above the baseline, the baseline otherwise', () => {
      const thin = { ...emptyEvidence('x'), control: exposure(CONTROL_RATE_MIN_CRASHES - 1, 10) };
      const measured = { ...emptyEvidence('x'), control: exposure(CONTROL_RATE_MIN_CRASHES, 100) };
      assert.equal(referenceRate(thin, 0.01), 0.01);
      assert.equal(referenceRate(measured, 0.01), CONTROL_RATE_MIN_CRASHES / 100);
      assert.equal(referenceRate(measured, 0.5), 0.5, 'never below the baseline');
    });
  });

  describe('rateRatio', () => {
    it('is the ratio of the two rates with a 95 % interval on the log scale', () => {
      const evidence = { ...emptyEvidence('x'), updated: exposure(40, 100), control: exposure(10, 100) };
      const ratio = rateRatio(evidence, 0.01)!;
      approx(ratio.ratio, 4);
      const spread = 1.96 * Math.sqrt(1 / 40 + 1 / 10);
      approx(ratio.low, 4 * Math.exp(-spread));
      approx(ratio.high, 4 * Math.exp(spread));
    });

    it('uses the baseline while the control has no hours', () => {
      const ratio = rateRatio({ ...emptyEvidence('x'), updated: exposure(4, 100) }, 0.01)!;
      approx(ratio.ratio, 4);
    });
  });
});

function binomial(n: number, k: number): number {
  let value = 1;
  for (let i = 1; i <= k; i++) value = (value * (n - k + i)) / i;
  return value;
}

function poissonPmf(k: number, lambda: number): number {
  let value = Math.exp(-lambda);
  for (let i = 1; i <= k; i++) value *= lambda / i;
  return value;
}
