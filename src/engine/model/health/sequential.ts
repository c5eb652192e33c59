import type { CrashExposure } from './observation';

/**
 * An anytime-valid test of "the new firmware crashes no more often than the old", read at every
 * health poll from the first update to the end of the rollout (Lindon, Sanden, Shirikian, KDD 2022;
 * Lindon & Malek, NeurIPS 2022).
 *
 * Each poll adds one interval of evidence per cohort: crashes `x` over device-hours `t` on the new
 * firmware, crashes `y` over hours `s` on the control (the cohort's devices still on the old one,
 * over the same hours). With both arms Poisson at rates θλ and λ, given the interval's `n = x + y`
 * crashes, `x ~ Binomial(n, θt / (θt + s))`, whatever λ is that hour: a fleet-wide change (a heat
 * wave, a backend outage) moves both arms and cancels out. The likelihood ratio of θ against 1 is
 * θ^x · ((t + s) / (θt + s))^n. Its product over intervals is a test martingale under "no
 * regression" for each θ, so is an equal-weight mixture over `RATIO_ALTERNATIVES`, and by Ville's
 * inequality it ever reaching 1/α has probability at most α, however often it is read.
 *
 * While the control is too thin to compare with (late in a 100 % stage), an interval is compared
 * with a reference rate λ₀ instead: the Poisson likelihood ratio θ^x · e^{−(θ−1)λ₀t}, a
 * supermartingale increment under "no regression" whenever λ₀ is at least the true rate. λ₀ is the
 * fleet's pre-rollout baseline, or the control's rate so far where that is higher (a fleet-wide rise
 * during the rollout); never lower, as an estimate below the truth would halt good firmware.
 */

/** Crash-rate ratios (new ÷ old) the mixture weighs equally: from a mild regression to a crash loop. */
export const RATIO_ALTERNATIVES = [1.5, 2, 3, 4, 6, 10, 20, 50] as const;

/** An interval is compared with the concurrent control when it holds at least this share of the interval's device-hours. */
export const CONTROL_MIN_SHARE = 0.2;

/** The control's own rate counts once it rests on this many crashes. */
export const CONTROL_RATE_MIN_CRASHES = 10;

/** One poll's new evidence for one cohort: what each arm added since the poll before. */
export interface EvidenceIncrement {
  cohort: string;
  updated: CrashExposure;
  control: CrashExposure;
}

/** A cohort's evidence accumulated from the first update on. */
export interface CohortEvidence {
  cohort: string;
  updated: CrashExposure;
  control: CrashExposure;
  /** ln of each alternative's likelihood ratio against "no regression", in `RATIO_ALTERNATIVES` order. */
  logRatios: number[];
}

const NONE: CrashExposure = { crashes: 0, firmwareHours: 0 };

export const emptyEvidence = (cohort: string): CohortEvidence => ({
  cohort,
  updated: NONE,
  control: NONE,
  logRatios: RATIO_ALTERNATIVES.map(() => 0),
});

const add = (a: CrashExposure, b: CrashExposure): CrashExposure => ({ crashes: a.crashes + b.crashes, firmwareHours: a.firmwareHours + b.firmwareHours });

/** The fleet's baseline, or the control's crash rate so far where it is measured well enough and higher. */
export function referenceRate(evidence: CohortEvidence, baselineRatePerDeviceHour: number): number {
  const { crashes, firmwareHours } = evidence.control;
  const measured = crashes >= CONTROL_RATE_MIN_CRASHES && firmwareHours > 0 ? crashes / firmwareHours : 0;
  return Math.max(baselineRatePerDeviceHour, measured);
}

/** ln of θ's likelihood ratio for one interval; 0 when the interval holds no device-hours on the new firmware. */
export function intervalLogRatio(theta: number, updated: CrashExposure, control: CrashExposure, referenceRatePerHour: number): number {
  const t = updated.firmwareHours;
  const s = control.firmwareHours;
  if (t <= 0) return 0;
  const x = updated.crashes;
  if (s / (t + s) >= CONTROL_MIN_SHARE) {
    const n = x + control.crashes;
    return x * Math.log(theta) + n * Math.log((t + s) / (theta * t + s));
  }
  return x * Math.log(theta) - (theta - 1) * referenceRatePerHour * t;
}

/** The cohort's evidence with one more interval in it. */
export function accumulate(evidence: CohortEvidence, increment: EvidenceIncrement, baselineRatePerDeviceHour: number): CohortEvidence {
  const reference = referenceRate(evidence, baselineRatePerDeviceHour);
  return {
    cohort: evidence.cohort,
    updated: add(evidence.updated, increment.updated),
    control: add(evidence.control, increment.control),
    logRatios: evidence.logRatios.map((logRatio, index) => logRatio + intervalLogRatio(RATIO_ALTERNATIVES[index]!, increment.updated, increment.control, reference)),
  };
}

/** ln of the mixture's e-value: the evidence against "no regression" (0 = none; ln(1/α) halts at level α). */
export function logEValue(evidence: CohortEvidence): number {
  const peak = Math.max(...evidence.logRatios);
  const sum = evidence.logRatios.reduce((total, logRatio) => total + Math.exp(logRatio - peak), 0);
  return peak + Math.log(sum / evidence.logRatios.length);
}

export interface RateRatio {
  /** Crashes per device-hour on the new firmware ÷ on the control. */
  ratio: number;
  /** 95 % interval (Wald on the log ratio, half a crash added to an empty arm). */
  low: number;
  high: number;
}

/** The cohort's crash-rate ratio so far, against the control, or the baseline while the control has no hours. */
export function rateRatio(evidence: CohortEvidence, baselineRatePerDeviceHour: number): RateRatio | undefined {
  const { updated, control } = evidence;
  if (updated.firmwareHours <= 0) return undefined;
  const x = Math.max(updated.crashes, 0.5);
  const controlKnown = control.firmwareHours > 0;
  const y = controlKnown ? Math.max(control.crashes, 0.5) : Infinity;
  const controlRate = controlKnown ? y / control.firmwareHours : baselineRatePerDeviceHour;
  const ratio = x / updated.firmwareHours / controlRate;
  const spread = 1.96 * Math.sqrt(1 / x + (controlKnown ? 1 / y : 0));
  return { ratio, low: ratio * Math.exp(-spread), high: ratio * Math.exp(spread) };
}
