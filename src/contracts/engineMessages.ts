import { defineSignal } from '@temporalio/workflow';
import { z } from 'zod';
import { DeviceCounts } from './status';

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
