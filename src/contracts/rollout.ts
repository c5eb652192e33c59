import { z } from 'zod';
import { Plan } from './plan';
import { DeviceCounts, FinalState } from './status';

/** What starts a rollout: the plan, who started it, and how fast to play plan time (1 = real time). */
export const RolloutInput = z
  .object({
    plan: Plan,
    speedup: z.number().min(1).max(1_000_000).default(1),
    startedBy: z.string().trim().min(1).default('unknown'),
  })
  .strict();
export type RolloutInput = z.input<typeof RolloutInput>;
export type ParsedRolloutInput = z.infer<typeof RolloutInput>;

export const StageReport = z.object({
  stage: z.string(),
  devices: z.number().int().nonnegative(),
  counts: DeviceCounts,
});

export const RolloutReport = z.object({
  rolloutId: z.string(),
  state: FinalState,
  stages: z.array(StageReport),
  /** Workflow time from start to end, in milliseconds of plan time. */
  elapsedMs: z.number().nonnegative(),
});
export type RolloutReport = z.infer<typeof RolloutReport>;
