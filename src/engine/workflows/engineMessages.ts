import { defineSignal } from '@temporalio/workflow';
import { z } from 'zod';
import { Decision, DeviceCounts } from '../model/status';
import type { CohortFinding } from '../model/health/cohortEvidence';
import type { SeverityResponse } from '../model/health/severity';

/** A batch tells its stage how far it is, so the stage can pipeline the next batch and judge the gate. */
export const BatchProgress = z.object({
  batchIndex: z.number().int().nonnegative(),
  /** Devices that reached the pipelining state (or ended). */
  reachedMilestone: z.number().int().nonnegative(),
  /** Devices whose update has ended, by how it ended; `pending` counts those still going. */
  counts: DeviceCounts,
  /** The batch timeout has passed with updates still going: the stage judges the gate on these counts. */
  timedOut: z.boolean(),
});
export type BatchProgress = z.infer<typeof BatchProgress>;
export const batchProgressSignal = defineSignal<[BatchProgress]>('batchProgress');

/** The catch-up phase tells its rollout where it stands: after a round's selection, and when a gate decided. */
export const CatchUpProgress = z.object({
  round: z.number().int().nonnegative(),
  /** Devices of the round (selected, then updating); its counts once it ran. */
  devices: z.number().int().nonnegative(),
  batches: z.number().int().nonnegative(),
  batchesDone: z.number().int().nonnegative(),
  counts: DeviceCounts,
  nextRecheckAt: z.string().optional(),
  decision: Decision.optional(),
});
export type CatchUpProgress = z.infer<typeof CatchUpProgress>;
export const catchUpProgressSignal = defineSignal<[CatchUpProgress]>('catchUpProgress');

/** The health watch found cohorts whose crash rate regressed: the rollout rolls them back, or all of it when `fleetWide`. */
export interface CrashFinding {
  /** The cohorts found at this poll, strongest evidence first. */
  findings: CohortFinding[];
  fleetWide: boolean;
  /** The severity of the strongest ratio: how long the rest of the fleet waits before it goes on. */
  response: SeverityResponse;
}
export const crashFindingSignal = defineSignal<[CrashFinding]>('crashFinding');
