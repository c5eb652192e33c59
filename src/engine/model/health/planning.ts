import { z } from 'zod';
import { type Exposure, expectedCount, smallestSignificantCount } from './poisson';
import type { HealthPolicy } from './triggers';

/** Devices a bug hitting `affectedFraction` of the fleet is expected to hit within one stage. */
export const expectedFailingDevices = (stageDevices: number, affectedFraction: number): number =>
  stageDevices * affectedFraction;

export interface BugExposure {
  /** How long the bug takes to show on an affected device. */
  mttfHours: number;
  stageDevices: number;
  /** Share of devices the bug affects (002's Failure_Rate). */
  affectedFraction: number;
}

/**
 * 002's "Duration = Mean_Time_To_Failure / (Stage_Size × Failure_Rate)": with Stage_Size × Failure_Rate
 * affected devices each failing once per MTTF, the stage expects its first failure after this long.
 */
export const stageDurationHours = ({ mttfHours, stageDevices, affectedFraction }: BugExposure): number =>
  mttfHours / expectedFailingDevices(stageDevices, affectedFraction);

export const StageDurationPolicy = z
  .object({
    /** 002: "Confidence_Level = 95% requires observing 2-3 failures". */
    failuresToObserve: z.number().positive().default(3),
    /** 002: "Recommended_Duration = 12 hours (3× MTTF for 95% confidence)"; 1 gives its minimum. */
    mttfCycles: z.number().positive().default(3),
  })
  .strict();
export type StageDurationPolicy = z.infer<typeof StageDurationPolicy>;

/**
 * The longer of 002's two rules: its formula scaled to expect `failuresToObserve` failures, and its worked
 * example's `mttfCycles` × MTTF, since a bug cannot show before it manifests however many devices run it.
 */
export const recommendedStageDurationHours = (bug: BugExposure, policy: StageDurationPolicy): number =>
  Math.max(policy.failuresToObserve * stageDurationHours(bug), policy.mttfCycles * bug.mttfHours);

export interface StageCrashPlan {
  expectedCrashes: number;
  /** crashRateRatio × expected: 002's pause threshold, a crash count that may be fractional. */
  ratioLimit: number;
  /** Fewest crashes significant at the policy's alpha. */
  significantCount: number;
  /** Fewest crashes that fire the crash-rate trigger: above the ratio limit, significant and enough of them. */
  pauseThreshold: number;
}

export function planStageCrashes(exposure: Exposure, policy: HealthPolicy): StageCrashPlan {
  const expectedCrashes = expectedCount(exposure);
  const ratioLimit = policy.crashRateRatio * expectedCrashes;
  const significantCount = smallestSignificantCount(expectedCrashes, policy.significance.alpha);
  const pauseThreshold = Math.max(
    Math.floor(ratioLimit) + 1,
    significantCount,
    policy.significance.minimumObservedCount,
  );
  return { expectedCrashes, ratioLimit, significantCount, pauseThreshold };
}

/** Cumulative percentages of the fleet each stage brings onto the new firmware, ending at 100. */
export const StagePercentages = z
  .array(z.number().gt(0).max(100))
  .min(1)
  .refine((percents) => percents.every((percent, index) => index === 0 || percent > (percents[index - 1] ?? 0)), {
    message: 'each stage must cover more of the fleet than the one before',
  })
  .refine((percents) => percents[percents.length - 1] === 100, { message: 'the last stage must reach 100 %' })
  .default([1, 5, 25, 100]);
export type StagePercentages = z.infer<typeof StagePercentages>;

export interface StageAllocation {
  cumulativePercent: number;
  /** Devices this stage adds. */
  devices: number;
  cumulativeDevices: number;
}

/**
 * Devices per stage, each stage at least one and together the whole fleet. Shares round down, so early stages
 * stay small; a fleet smaller than the plan keeps its first stages and the last.
 */
export function allocateStages(fleetSize: number, percents: StagePercentages): StageAllocation[] {
  if (fleetSize === 0) return [];
  const stages = fleetSize >= percents.length ? percents : [...percents.slice(0, fleetSize - 1), 100];
  let previous = 0;
  return stages.map((cumulativePercent, index) => {
    const stagesAfter = stages.length - 1 - index;
    // The epsilon keeps 0.57 % of 10,000 devices (56.99999… in floating point) at 57.
    const share = Math.floor((fleetSize * cumulativePercent) / 100 + 1e-9);
    const cumulativeDevices = Math.min(Math.max(share, previous + 1), fleetSize - stagesAfter);
    const devices = cumulativeDevices - previous;
    previous = cumulativeDevices;
    return { cumulativePercent, devices, cumulativeDevices };
  });
}

/**
 * Stages for resuming after a deadline expired on stable metrics: a stage taking `factor` of the step from the
 * last completed stage to the next one is inserted before that next one.
 */
export function withReducedNextStage(percents: StagePercentages, completedIndex: number, factor: number): number[] {
  const completed = percents[completedIndex];
  const next = percents[completedIndex + 1];
  if (completed === undefined || next === undefined) return [...percents];
  const reduced = completed + (next - completed) * factor;
  return [...percents.slice(0, completedIndex + 1), reduced, ...percents.slice(completedIndex + 1)];
}
