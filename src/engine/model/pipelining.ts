import type { DeviceCounts } from './status';
import type { OperationState } from '../ports/fleetProvider';
import { successRate } from './gates';

const PROGRESS: readonly OperationState[] = ['queued', 'downloading', 'downloaded', 'installing', 'rebooting', 'succeeded'];

/** Whether an operation in `state` has got at least as far as `milestone`; an ended one always has. */
export function reached(state: OperationState, milestone: OperationState): boolean {
  const position = PROGRESS.indexOf(state);
  return position === -1 || position >= PROGRESS.indexOf(milestone);
}

export interface BatchInFlight {
  devices: number;
  reachedMilestone: number;
  counts: DeviceCounts;
  ended: boolean;
}

/** Devices of a batch whose update has not ended yet. */
export const stillInFlight = (batch: BatchInFlight): number => (batch.ended ? 0 : batch.counts.pending);

/**
 * The seed's pipelining: the next batch may start once enough of the current one is downloaded,
 * and only while the devices it has settled so far would pass its gate: a batch on its way to a
 * hold or a rollback is waited for.
 */
export const pipelineReady = (batch: BatchInFlight, fraction: number, successThreshold: number): boolean =>
  batch.reachedMilestone >= Math.ceil(fraction * batch.devices) && successRate(batch.counts) >= successThreshold;

/**
 * Whether `next` devices may start now without the rollout exceeding `maxConcurrent` operations in
 * flight. A batch larger than the limit may start alone (its own lanes keep within the limit).
 */
export const fitsConcurrency = (inFlight: number, next: number, maxConcurrent: number): boolean =>
  inFlight === 0 || inFlight + next <= maxConcurrent;
