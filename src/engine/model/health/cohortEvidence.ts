import { z } from 'zod';
import type { DeviceAttributes } from '../../ports/fleetProvider';
import { ringOf, type CohortSelector } from '../cohorts';
import { PositiveDurationMs } from '../duration';
import { accumulate, emptyEvidence, logEValue, rateRatio, type CohortEvidence, type EvidenceIncrement, type RateRatio } from './sequential';

/** The attribute health is judged and rolled back by; `none` judges the fleet as one cohort. */
export const CohortAttribute = z.enum(['hardwareRevision', 'region', 'ring', 'none']);
export type CohortAttribute = z.infer<typeof CohortAttribute>;

/** The one cohort of a plan that judges the fleet as a whole. */
export const WHOLE_FLEET = 'fleet';

/** How the rollout weighs crash evidence: per cohort, against the control, from the first update on. */
export const EvidencePolicy = z
  .object({
    /** Chance that firmware crashing no more than the old is halted at all, over the whole rollout and every cohort. */
    alpha: z.number().gt(0).lt(1).default(0.01),
    cohortBy: CohortAttribute.default('hardwareRevision'),
    /** After a cohort's rollback the rest waits for the finding's severity deadline and goes on, or waits for an operator's resume. */
    afterCohortRollback: z.enum(['deadline', 'approval']).default('deadline'),
    /** Regressed cohorts holding more than this share of the targets make the regression fleet-wide: all is rolled back. */
    fleetWideShare: z.number().gt(0).max(1).default(0.5),
    /** How often the crash counters are read: evidence adds up whatever the pace, so this only sets how soon a finding is seen. */
    pollInterval: PositiveDurationMs.prefault('5 minutes'),
    /** Devices whose health is read at every poll; a larger fleet is sampled (by id) down to this many. */
    observedDevices: z.number().int().min(100).default(5_000),
  })
  .strict();
export type EvidencePolicy = z.infer<typeof EvidencePolicy>;

export function cohortOf(attributes: DeviceAttributes, by: CohortAttribute): string {
  switch (by) {
    case 'hardwareRevision':
      return attributes.hardwareRevision;
    case 'region':
      return attributes.region;
    case 'ring':
      return ringOf(attributes);
    case 'none':
      return WHOLE_FLEET;
  }
}

/** The devices of one cohort, as the rollback of a cohort selects them. */
export const cohortSelector = (by: Exclude<CohortAttribute, 'none'>, cohort: string): CohortSelector => ({ [by]: [cohort] });

/** Evidence a cohort must reach: α shared evenly by the cohorts (Bonferroni), so the family-wise error stays α. */
export const haltingLogEValue = (alpha: number, cohorts: number): number => Math.log(Math.max(1, cohorts) / alpha);

/** What the rollout found about one cohort, as the decision and the report state it. */
export interface CohortFinding {
  cohort: string;
  ratio: RateRatio | undefined;
  crashes: number;
  updatedHours: number;
  controlHours: number;
  /** ln of the e-value; the cohort regressed once it passes `haltingLogEValue`. */
  logEValue: number;
}

export function findingOf(evidence: CohortEvidence, baselineRatePerDeviceHour: number): CohortFinding {
  return {
    cohort: evidence.cohort,
    ratio: rateRatio(evidence, baselineRatePerDeviceHour),
    crashes: evidence.updated.crashes,
    updatedHours: evidence.updated.firmwareHours,
    controlHours: evidence.control.firmwareHours,
    logEValue: logEValue(evidence),
  };
}

/** Cohorts whose evidence passed the halting level, strongest first. */
export const regressed = (evidence: readonly CohortEvidence[], alpha: number, cohorts: number): CohortEvidence[] =>
  evidence
    .filter((cohort) => logEValue(cohort) >= haltingLogEValue(alpha, cohorts))
    .sort((a, b) => logEValue(b) - logEValue(a));

/** The regression is the fleet's, not a cohort's: the regressed cohorts hold more than `fleetWideShare` of the targets. */
export function isFleetWide(regressedCohorts: readonly string[], targetsByCohort: Readonly<Record<string, number>>, policy: EvidencePolicy): boolean {
  if (policy.cohortBy === 'none') return regressedCohorts.length > 0;
  const total = Object.values(targetsByCohort).reduce((sum, devices) => sum + devices, 0);
  const hit = regressedCohorts.reduce((sum, cohort) => sum + (targetsByCohort[cohort] ?? 0), 0);
  return total > 0 && hit / total > policy.fleetWideShare;
}

/** How the decision names a finding: the cohort, its ratio with its interval, and its device-hours. */
export function describeFinding({ cohort, ratio, crashes, updatedHours, controlHours }: CohortFinding, by: CohortAttribute): string {
  const who = by === 'none' ? 'the fleet' : `${by} ${cohort}`;
  const measured = ratio ? `crash rate ×${ratio.ratio.toFixed(1)} (95 % CI ${ratio.low.toFixed(1)}–${ratio.high.toFixed(1)})` : 'crash rate above the control';
  return `${who}: ${measured}, ${crashes} crashes in ${Math.round(updatedHours)} device-hours on the new firmware vs ${Math.round(controlHours)} on the control`;
}

/** Where the crash test stands: every cohort's evidence, and the cohorts found regressed so far. */
export interface EvidenceState {
  cohorts: CohortEvidence[];
  /** In the order they were found; no longer judged. */
  regressed: string[];
  targetsByCohort: Record<string, number>;
}

export const emptyEvidenceState = (): EvidenceState => ({ cohorts: [], regressed: [], targetsByCohort: {} });

/** The state with one poll's increments in it; a cohort appears at its first increment. */
export function absorb(state: EvidenceState, increments: readonly EvidenceIncrement[], targetsByCohort: Record<string, number>, baselineRatePerDeviceHour: number): EvidenceState {
  const byCohort = new Map(state.cohorts.map((cohort) => [cohort.cohort, cohort]));
  for (const increment of increments) byCohort.set(increment.cohort, accumulate(byCohort.get(increment.cohort) ?? emptyEvidence(increment.cohort), increment, baselineRatePerDeviceHour));
  return { ...state, cohorts: [...byCohort.values()], targetsByCohort };
}

/** Cohorts not yet found regressed whose evidence now passes the halting level. */
export function newlyRegressed(state: EvidenceState, policy: Pick<EvidencePolicy, 'alpha'>): CohortEvidence[] {
  const judged = state.cohorts.filter((cohort) => !state.regressed.includes(cohort.cohort));
  return regressed(judged, policy.alpha, Object.keys(state.targetsByCohort).length);
}
