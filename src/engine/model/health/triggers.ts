import { z } from 'zod';
import { AFTER_FIELD_CHECKS } from '../validation';
import { SignificancePolicy, testCount } from './poisson';
import {
  type Severity,
  SeverityPolicy,
  type SeverityResponse,
  crashResponse,
  mostUrgent,
  respond,
  unresponsiveResponse,
} from './severity';

const Fraction = z.number().min(0).max(1);
const Count = z.number().int().nonnegative();

/** What one stage's devices on the new firmware reported over one observation window; absent = not reported. */
export const HealthObservation = z
  .object({
    exposedDevices: Count,
    /** Hours on the new firmware per exposed device, on average: each device counts from its own update. */
    exposureHours: z.number().nonnegative(),
    crashes: Count.optional(),
    /** Share of the exposed devices that checked in. */
    connectivityRate: Fraction.optional(),
    /** Mean drain per device, in the baseline's unit. */
    batteryDrain: z.number().nonnegative().optional(),
    /** Devices that reverted to the previous firmware. */
    rollbacks: Count.optional(),
    /** Devices that have not answered since installing. */
    unresponsiveDevices: Count.optional(),
    supportTickets: Count.optional(),
  })
  .strict();
export type HealthObservation = z.infer<typeof HealthObservation>;

/** The fleet on its current firmware. Leave out what the fleet does not measure: that trigger is then off. */
export const HealthBaseline = z
  .object({
    crashRatePerDeviceHour: z.number().positive(),
    connectivityRate: z.number().gt(0).max(1),
    batteryDrain: z.number().positive().optional(),
    supportTicketsPerDeviceHour: z.number().positive().optional(),
  })
  .strict();
export type HealthBaseline = z.infer<typeof HealthBaseline>;

/** 002's automatic pause triggers. */
export const HealthPolicy = z
  .object({
    crashRateRatio: z.number().positive().default(2),
    /** Relative to the baseline check-in rate: stricter than percentage points whenever the baseline is below 100 %. */
    connectivityDrop: Fraction.default(0.05),
    batteryDrainIncrease: z.number().nonnegative().default(0.2),
    rollbackRate: Fraction.default(0.1),
    /** 002's severity table: "Support tickets 2×". */
    supportTicketRatio: z.number().positive().default(2),
    /** 002: "Devices unresponsive → immediate rollback"; raise it where some silence after an update is normal. */
    unresponsiveDeviceLimit: Count.default(0),
    /** 002's trigger list pauses at +20 % battery drain; its severity table only monitors 1.2× ('low'). */
    batteryDrainSeverity: z.enum(['moderate', 'low']).default('moderate'),
    significance: SignificancePolicy.default(SignificancePolicy.parse({})),
    severity: SeverityPolicy.default(SeverityPolicy.parse({})),
  })
  .strict()
  .superRefine((policy, ctx) => {
    if (policy.crashRateRatio > policy.severity.highCrashRatio) {
      ctx.addIssue({
        code: 'custom',
        path: ['crashRateRatio'],
        message: `${policy.crashRateRatio} is above severity.highCrashRatio ${policy.severity.highCrashRatio}: a crash rate must pause before it is grave; write at most ${policy.severity.highCrashRatio}`,
      });
    }
  }, AFTER_FIELD_CHECKS);
export type HealthPolicy = z.infer<typeof HealthPolicy>;

/** 002's per-stage "Pause Trigger Threshold" column, as values for `crashRateRatio`. */
export const CRASH_RATE_RATIO_BY_STAGE = { beta: 2, canary: 2, early: 1.5, regional: 1.5, full: 1.2 } as const;

export type HealthMetric =
  | 'crashRate'
  | 'connectivityDrop'
  | 'batteryDrainIncrease'
  | 'rollbackRate'
  | 'unresponsiveDevices'
  | 'supportTicketRatio';

export interface Measurement {
  metric: HealthMetric;
  /**
   * crashRate, supportTicketRatio: observed ÷ expected; connectivityDrop, batteryDrainIncrease: change relative
   * to the baseline; rollbackRate: share of the exposed devices; unresponsiveDevices: a device count.
   */
  measured: number;
  threshold: number;
  /** P(X ≥ observed | expected), for the counted metrics. */
  pValue?: number;
}

export interface Trigger extends Measurement {
  response: SeverityResponse;
}

export type HealthVerdict = 'healthy' | 'monitor' | 'missing_data' | 'pause' | 'rollback';

export interface HealthEvaluation {
  verdict: HealthVerdict;
  severity: Severity | 'none';
  /** The most urgent trigger's response; absent when none fired. */
  response?: SeverityResponse;
  triggers: Trigger[];
  measurements: Measurement[];
  missingMetrics: HealthMetric[];
}

interface Check {
  metric: HealthMetric;
  /** Absent when the observation lacks the data. */
  measurement?: Measurement;
  firing?: SeverityResponse;
}

/**
 * The policy for one of `looks` tests that together may halt a healthy rollout: α spread evenly over
 * them (Bonferroni), as every health poll of every monitoring window tests the counts again, and α
 * at each would halt a healthy rollout many times more often than α.
 */
export function policyPerLook(policy: HealthPolicy, looks: number): HealthPolicy {
  return { ...policy, significance: { ...policy.significance, alpha: policy.significance.alpha / Math.max(1, looks) } };
}

/** `skipped`: metrics judged elsewhere (the crash rate, by the rollout's sequential test). */
export function evaluateHealth(
  observation: HealthObservation,
  baseline: HealthBaseline,
  policy: HealthPolicy,
  skipped: readonly HealthMetric[] = [],
): HealthEvaluation {
  const checks = watchedChecks(observation, baseline, policy).filter((check) => !skipped.includes(check.metric));
  const triggers = checks.flatMap(({ measurement, firing }) =>
    measurement && firing ? [{ ...measurement, response: firing }] : [],
  );
  const missingMetrics = checks.filter((check) => !check.measurement).map((check) => check.metric);
  const response = mostUrgent(triggers.map((trigger) => trigger.response));
  return {
    verdict: verdictOf(response, missingMetrics),
    severity: response?.severity ?? 'none',
    ...(response && { response }),
    triggers,
    measurements: checks.flatMap((check) => (check.measurement ? [check.measurement] : [])),
    missingMetrics,
  };
}

function verdictOf(response: SeverityResponse | undefined, missingMetrics: HealthMetric[]): HealthVerdict {
  if (response?.action === 'rollback') return 'rollback';
  if (response && response.severity !== 'low') return 'pause';
  if (missingMetrics.length > 0) return 'missing_data';
  return response ? 'monitor' : 'healthy';
}

function watchedChecks(observation: HealthObservation, baseline: HealthBaseline, policy: HealthPolicy): Check[] {
  const { exposedDevices, exposureHours } = observation;
  // Nothing was exposed, so nothing was measured, whatever the counters say.
  const measured = exposedDevices > 0 && exposureHours > 0 ? observation : { exposedDevices, exposureHours };
  return [
    checkCrashRate(measured, baseline, policy),
    checkConnectivity(measured, baseline, policy),
    checkBattery(measured, baseline, policy),
    checkRollbackRate(measured, policy),
    checkUnresponsive(measured, policy),
    checkSupportTickets(measured, baseline, policy),
  ].filter((check): check is Check => check !== undefined);
}

interface CountedMetric {
  metric: HealthMetric;
  observed: number | undefined;
  baselineRatePerDeviceHour: number;
  ratioThreshold: number;
  responseFor: (ratio: number) => SeverityResponse;
}

/** A count tested against the baseline rate: it fires above `ratioThreshold` × expected, when significant. */
function checkCounted(counted: CountedMetric, exposure: HealthObservation, significance: SignificancePolicy): Check {
  const { metric, observed, baselineRatePerDeviceHour, ratioThreshold } = counted;
  if (observed === undefined) return { metric };
  const test = testCount({ ...exposure, observed, baselineRatePerDeviceHour }, significance);
  const ratio = observed / test.expected;
  const fires = observed > ratioThreshold * test.expected && test.significant;
  return {
    metric,
    measurement: { metric, measured: ratio, threshold: ratioThreshold, pValue: test.pValue },
    firing: fires ? counted.responseFor(ratio) : undefined,
  };
}

function checkCrashRate(observation: HealthObservation, baseline: HealthBaseline, policy: HealthPolicy): Check {
  const crashRate: CountedMetric = {
    metric: 'crashRate',
    observed: observation.crashes,
    baselineRatePerDeviceHour: baseline.crashRatePerDeviceHour,
    ratioThreshold: policy.crashRateRatio,
    responseFor: (ratio) => crashResponse(ratio, policy.severity),
  };
  return checkCounted(crashRate, observation, policy.significance);
}

function checkSupportTickets(
  observation: HealthObservation,
  baseline: HealthBaseline,
  policy: HealthPolicy,
): Check | undefined {
  if (baseline.supportTicketsPerDeviceHour === undefined) return undefined;
  const tickets: CountedMetric = {
    metric: 'supportTicketRatio',
    observed: observation.supportTickets,
    baselineRatePerDeviceHour: baseline.supportTicketsPerDeviceHour,
    ratioThreshold: policy.supportTicketRatio,
    responseFor: () => respond('moderate', policy.severity.supportTicketsHours),
  };
  return checkCounted(tickets, observation, policy.significance);
}

/** A metric whose value is compared straight against its threshold. */
function checkLevel(
  metric: HealthMetric,
  measured: number | undefined,
  threshold: number,
  response: SeverityResponse,
): Check {
  if (measured === undefined) return { metric };
  return { metric, measurement: { metric, measured, threshold }, firing: measured > threshold ? response : undefined };
}

const pauseResponse = (policy: HealthPolicy) => respond('moderate', policy.severity.otherPauseHours);

function checkConnectivity(observation: HealthObservation, baseline: HealthBaseline, policy: HealthPolicy): Check {
  const rate = observation.connectivityRate;
  const drop = rate === undefined ? undefined : 1 - rate / baseline.connectivityRate;
  return checkLevel('connectivityDrop', drop, policy.connectivityDrop, pauseResponse(policy));
}

function checkBattery(
  observation: HealthObservation,
  baseline: HealthBaseline,
  policy: HealthPolicy,
): Check | undefined {
  if (baseline.batteryDrain === undefined) return undefined;
  const drain = observation.batteryDrain;
  const increase = drain === undefined ? undefined : drain / baseline.batteryDrain - 1;
  const response =
    policy.batteryDrainSeverity === 'low' ? respond('low', policy.severity.reviewHours) : pauseResponse(policy);
  return checkLevel('batteryDrainIncrease', increase, policy.batteryDrainIncrease, response);
}

function checkRollbackRate(observation: HealthObservation, policy: HealthPolicy): Check {
  const { rollbacks, exposedDevices } = observation;
  const rate = rollbacks === undefined ? undefined : rollbacks / exposedDevices;
  return checkLevel('rollbackRate', rate, policy.rollbackRate, pauseResponse(policy));
}

function checkUnresponsive(observation: HealthObservation, policy: HealthPolicy): Check {
  const response = unresponsiveResponse(policy.severity);
  return checkLevel('unresponsiveDevices', observation.unresponsiveDevices, policy.unresponsiveDeviceLimit, response);
}
