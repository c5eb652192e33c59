import { defineQuery, defineSignal } from '@temporalio/workflow';
import { z } from 'zod';
import { Decision, DeviceCounts, type RolloutStatus } from './status';

/** Who asked for a control action and why; kept in the rollout's audit trail. */
export const OperatorAction = z.object({
  by: z.string().trim().min(1, 'say who you are, e.g. "alice@ops"').default('unknown'),
  reason: z.string().trim().optional(),
});
export type OperatorAction = z.input<typeof OperatorAction>;

export const pauseSignal = defineSignal<[OperatorAction]>('pause');
export const resumeSignal = defineSignal<[OperatorAction]>('resume');
export const rollbackSignal = defineSignal<[OperatorAction]>('rollback');

export const statusQuery = defineQuery<RolloutStatus>('status');

/** Sent by a stage to its rollout after every batch, so the rollout's status stays current. */
export const StageProgress = z.object({
  stage: z.string(),
  batchesDone: z.number().int().nonnegative(),
  counts: DeviceCounts,
  /** Present when a gate stopped the stage: the rollout pauses and shows why. */
  decision: Decision.optional(),
});
export type StageProgress = z.infer<typeof StageProgress>;
export const stageProgressSignal = defineSignal<[StageProgress]>('stageProgress');

/** The rollout tells the running stage to hold or go on starting batches. */
export const stagePausedSignal = defineSignal<[{ paused: boolean }]>('stagePaused');
