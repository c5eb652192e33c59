import { z } from 'zod';
import { compareSeverity } from './severity';
import type { HealthEvaluation, HealthMetric, Trigger } from './triggers';

/** 002's forced decision when a pause's decision deadline passes with no root cause and no operator decision. */
export const DeadlinePolicy = z
  .object({
    /** Share of the step to the next stage taken on resuming: a half; 002's example takes a fifth ("2% not 10%"). */
    nextStageFactor: z.number().gt(0).lt(1).default(0.5),
    /**
     * 002 rolls back when metrics are "getting worse or staying elevated". True resumes even while a pause
     * trigger still fires, provided no metric is worse than when it paused the rollout.
     */
    resumeWhileElevated: z.boolean().default(false),
  })
  .strict();
export type DeadlinePolicy = z.infer<typeof DeadlinePolicy>;

export type RollbackReason = 'missing_data' | 'worsening' | 'still_elevated';

export type DeadlineDecision =
  | { action: 'resume'; nextStageFactor: number }
  | { action: 'rollback_and_quarantine'; reason: RollbackReason };

/** `history`: the evaluations since the pause, oldest first; the first is the one that paused the rollout. */
export function decideOnExpiredDeadline(
  history: readonly HealthEvaluation[],
  policy: DeadlinePolicy,
): DeadlineDecision {
  const paused = history[0];
  const latest = history[history.length - 1];
  if (!paused || !latest || latest.missingMetrics.length > 0) return rollback('missing_data');
  if (isWorse(latest, paused)) return rollback('worsening');
  if (pausingTriggers(latest).length > 0 && !policy.resumeWhileElevated) return rollback('still_elevated');
  return { action: 'resume', nextStageFactor: policy.nextStageFactor };
}

const rollback = (reason: RollbackReason): DeadlineDecision => ({ action: 'rollback_and_quarantine', reason });

const pausingTriggers = (evaluation: HealthEvaluation): Trigger[] =>
  evaluation.triggers.filter((trigger) => compareSeverity(trigger.response.severity, 'moderate') >= 0);

/** A metric that paused the rollout has risen since, or a metric that did not now pauses it too. */
function isWorse(latest: HealthEvaluation, paused: HealthEvaluation): boolean {
  const pausedBy = new Map<HealthMetric, number>(pausingTriggers(paused).map((t) => [t.metric, t.measured]));
  const risen = latest.measurements.some((m) => m.measured > (pausedBy.get(m.metric) ?? Infinity));
  return risen || pausingTriggers(latest).some((trigger) => !pausedBy.has(trigger.metric));
}
