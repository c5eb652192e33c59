import type { RollbackInput } from '../activities/rollback';
import { resolveStage } from '../model/plan';
import type { ResolvedRolloutInput } from '../model/rollout';
import { scaled } from '../model/planMath';
import { deviceChange, rollbackTarget } from '../model/deviceChange';

/** How a rollout's rollbacks run, whatever their scope: at the first stage's concurrency and polling pace. */
export function rollbackSettings({ plan, speedup }: ResolvedRolloutInput): RollbackInput {
  const first = resolveStage(plan, 0);
  return {
    rolloutId: plan.rolloutId,
    maxConcurrent: first.maxConcurrent,
    maxPollIntervalMs: scaled(first.healthCheckInterval, speedup),
    ...rollbackTarget(deviceChange(plan)),
  };
}
