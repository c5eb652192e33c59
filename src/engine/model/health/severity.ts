import { z } from 'zod';
import { AFTER_FIELD_CHECKS } from '../validation';

/** Mildest first. */
export const SEVERITIES = ['low', 'moderate', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

const ACTIONS = {
  low: 'continue_and_monitor',
  moderate: 'pause_and_monitor',
  high: 'pause_and_investigate',
  critical: 'rollback',
} as const satisfies Record<Severity, string>;
export type SeverityAction = (typeof ACTIONS)[Severity];

/** What a finding asks for and by when: an operator decision, or for `rollback` the rollback itself. */
export interface SeverityResponse {
  severity: Severity;
  action: SeverityAction;
  deadlineMs: number;
  /** The same deadline as a Temporal duration string, e.g. '48 hours'. */
  deadline: string;
}

const Hours = z.number().positive();

/** 002's "Pause Decision Criteria" table. */
export const SeverityPolicy = z
  .object({
    highCrashRatio: z.number().positive().default(5),
    criticalCrashRatio: z.number().positive().default(10),
    crashModerateHours: Hours.default(48),
    crashHighHours: Hours.default(24),
    crashCriticalHours: Hours.default(4),
    unresponsiveHours: Hours.default(1),
    supportTicketsHours: Hours.default(24),
    /** Pause triggers the table has no row for (connectivity, rollback rate, battery): like crash rate at 2×. */
    otherPauseHours: Hours.default(48),
    /** The table's "Weekly review" for low-severity findings. */
    reviewHours: Hours.default(168),
  })
  .strict()
  .superRefine((policy, ctx) => {
    if (policy.criticalCrashRatio <= policy.highCrashRatio) {
      ctx.addIssue({ code: 'custom', path: ['criticalCrashRatio'], message: `${policy.criticalCrashRatio} is not above highCrashRatio ${policy.highCrashRatio}: write a larger ratio, e.g. ${policy.highCrashRatio * 2}` });
    }
    // A graver finding must not give an operator longer to decide than a milder one.
    const deadlines = [['crashModerateHours', policy.crashModerateHours], ['crashHighHours', policy.crashHighHours], ['crashCriticalHours', policy.crashCriticalHours]] as const;
    deadlines.forEach(([field, hours], index) => {
      const milder = deadlines[index - 1];
      if (milder && hours > milder[1]) {
        ctx.addIssue({ code: 'custom', path: [field], message: `${hours} hours is longer than ${milder[0]} (${milder[1]}): a graver finding gets a shorter deadline; write at most ${milder[1]}` });
      }
    });
  }, AFTER_FIELD_CHECKS);
export type SeverityPolicy = z.infer<typeof SeverityPolicy>;

export function respond(severity: Severity, hours: number): SeverityResponse {
  return {
    severity,
    action: ACTIONS[severity],
    deadlineMs: hours * 3_600_000,
    deadline: `${hours} ${hours === 1 ? 'hour' : 'hours'}`,
  };
}

/** Response to a crash rate `ratio` × baseline that has already fired the pause trigger. */
export function crashResponse(ratio: number, policy: SeverityPolicy): SeverityResponse {
  if (ratio >= policy.criticalCrashRatio) return respond('critical', policy.crashCriticalHours);
  if (ratio >= policy.highCrashRatio) return respond('high', policy.crashHighHours);
  return respond('moderate', policy.crashModerateHours);
}

export const unresponsiveResponse = (policy: SeverityPolicy): SeverityResponse =>
  respond('critical', policy.unresponsiveHours);

export const compareSeverity = (a: Severity, b: Severity): number => SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b);

/** The most severe response; among equals the one due first. */
export function mostUrgent(responses: readonly SeverityResponse[]): SeverityResponse | undefined {
  return responses.reduce<SeverityResponse | undefined>((worst, candidate) => {
    if (!worst) return candidate;
    const bySeverity = compareSeverity(candidate.severity, worst.severity);
    if (bySeverity !== 0) return bySeverity > 0 ? candidate : worst;
    return candidate.deadlineMs < worst.deadlineMs ? candidate : worst;
  }, undefined);
}
