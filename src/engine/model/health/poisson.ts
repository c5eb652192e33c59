import { z } from 'zod';

/** When an excess of events (crashes, tickets) over the baseline counts as real rather than chance. */
export const SignificancePolicy = z
  .object({
    /** 002 asks for 95 % confidence; its canary example reaches p < 0.001, but a larger alpha pauses sooner. */
    alpha: z.number().gt(0).lt(1).default(0.05),
    /**
     * Fewer events than this are never significant, however small the expected count: on a handful of devices
     * one crash-looping device would otherwise halt the fleet. 002: "95% requires observing 2-3 failures".
     */
    minimumObservedCount: z.number().int().nonnegative().default(3),
  })
  .strict();
export type SignificancePolicy = z.infer<typeof SignificancePolicy>;

export interface Exposure {
  exposedDevices: number;
  exposureHours: number;
  baselineRatePerDeviceHour: number;
}

export interface CountObservation extends Exposure {
  observed: number;
}

export interface CountTest {
  /** λ: events the baseline rate predicts for this exposure. */
  expected: number;
  /** P(X ≥ observed | λ). */
  pValue: number;
  sufficientSample: boolean;
  significant: boolean;
}

export const expectedCount = ({ exposedDevices, exposureHours, baselineRatePerDeviceHour }: Exposure): number =>
  exposedDevices * exposureHours * baselineRatePerDeviceHour;

export function testCount(observation: CountObservation, policy: SignificancePolicy): CountTest {
  const expected = expectedCount(observation);
  const pValue = poissonUpperTail(observation.observed, expected);
  const sufficientSample = observation.observed >= policy.minimumObservedCount;
  return { expected, pValue, sufficientSample, significant: sufficientSample && pValue <= policy.alpha };
}

export const isSignificant = (observation: CountObservation, policy: SignificancePolicy): boolean =>
  testCount(observation, policy).significant;

/** P(X ≥ observed) for X ~ Poisson(lambda). */
export function poissonUpperTail(observed: number, lambda: number): number {
  if (!Number.isInteger(observed) || observed < 0) throw new RangeError(`observed must be a count, got ${observed}`);
  if (!(lambda >= 0 && Number.isFinite(lambda))) throw new RangeError(`lambda must be finite, ≥ 0: ${lambda}`);
  if (observed === 0) return 1;
  if (lambda === 0) return 0;
  // Both sums run away from the mode, so their terms shrink from the first and nothing overflows or cancels.
  if (observed > lambda) {
    const tail = sumOfProducts((n) => lambda / (observed + n));
    return Math.exp(logPoissonPmf(observed, lambda) + Math.log(tail));
  }
  const below = sumOfProducts((n) => (observed - n) / lambda);
  return Math.max(0, 1 - Math.exp(logPoissonPmf(observed - 1, lambda) + Math.log(below)));
}

/** The smallest count whose upper tail is at most alpha: the fewest events that are significant. */
export function smallestSignificantCount(lambda: number, alpha: number): number {
  let significant = Math.max(1, Math.ceil(lambda));
  while (poissonUpperTail(significant, lambda) > alpha) significant *= 2;
  let notSignificant = 0;
  while (significant - notSignificant > 1) {
    const middle = Math.floor((notSignificant + significant) / 2);
    if (poissonUpperTail(middle, lambda) > alpha) notSignificant = middle;
    else significant = middle;
  }
  return significant;
}

/** 1 + r(1) + r(1)·r(2) + … until the terms no longer change the sum; every ratio r(n) is in [0, 1). */
function sumOfProducts(ratio: (n: number) => number): number {
  let sum = 1;
  let term = 1;
  for (let n = 1; term > sum * Number.EPSILON; n++) {
    term *= ratio(n);
    sum += term;
  }
  return sum;
}

const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * ln P(X = k) after Loader (2000), as in R's dpois: k·ln λ − λ − ln k! computed directly loses all precision
 * for λ ≈ 10⁶, where each term is ~10⁷ and the result is a few units.
 */
function logPoissonPmf(k: number, lambda: number): number {
  if (k === 0) return -lambda;
  return -stirlingError(k) - deviance(k, lambda) - LN_SQRT_2PI - 0.5 * Math.log(k);
}

/** ln k! − (k + ½)·ln k + k − ln √(2π). */
function stirlingError(k: number): number {
  if (k <= 15) {
    let lnFactorial = 0;
    for (let i = 2; i <= k; i++) lnFactorial += Math.log(i);
    return lnFactorial - (k + 0.5) * Math.log(k) + k - LN_SQRT_2PI;
  }
  const k2 = k * k;
  return (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / (1188 * k2)) / k2) / k2) / k2) / k;
}

/** k·ln(k/λ) + λ − k, by its series when k ≈ λ where the closed form cancels. */
function deviance(k: number, lambda: number): number {
  if (Math.abs(k - lambda) >= 0.1 * (k + lambda)) return k * Math.log(k / lambda) + lambda - k;
  const v = (k - lambda) / (k + lambda);
  const v2 = v * v;
  let sum = (k - lambda) * v;
  let term = 2 * k * v;
  for (let j = 1; ; j++) {
    term *= v2;
    const next = sum + term / (2 * j + 1);
    if (next === sum) return sum;
    sum = next;
  }
}
