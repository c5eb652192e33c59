import type { StageSettings } from './plan';
import { DEVICE_COUNT_STATES, type DeviceCounts } from './status';

export interface GateVerdict {
  action: 'continue' | 'hold' | 'roll_back';
  reason: string;
}

/** Success among the devices that were updated; deferred devices were never tried and do not count. */
export function successRate(counts: Pick<DeviceCounts, 'succeeded' | 'failed' | 'rolled_back'>): number {
  const attempted = counts.succeeded + counts.failed + counts.rolled_back;
  return attempted === 0 ? 1 : counts.succeeded / attempted;
}

/**
 * The seed's batch gate: ≥ 80 % goes on, below it the stage holds, below 70 % the batch is rolled
 * back. Judged when the batch ends (`final`) or when it times out, when devices still updating count
 * as not (yet) successful.
 */
export function batchGate(
  counts: DeviceCounts,
  thresholds: Pick<StageSettings, 'successThreshold' | 'rollbackThreshold'>,
  { final }: { final: boolean } = { final: true },
): GateVerdict {
  const rate = final ? successRate(counts) : successRate({ ...counts, failed: counts.failed + counts.pending });
  const percent = (value: number) => `${Math.round(value * 1000) / 10}%`;
  if (rate < thresholds.rollbackThreshold) {
    return { action: 'roll_back', reason: `success ${percent(rate)} < rollback threshold ${percent(thresholds.rollbackThreshold)}` };
  }
  if (rate < thresholds.successThreshold) {
    return { action: 'hold', reason: `success ${percent(rate)} < success threshold ${percent(thresholds.successThreshold)}` };
  }
  return { action: 'continue', reason: `success ${percent(rate)} ≥ ${percent(thresholds.successThreshold)}` };
}

/** Moves a finished batch's devices out of `pending` into the states they ended in. */
export function settleBatch(stage: DeviceCounts, batch: DeviceCounts): DeviceCounts {
  const ended = DEVICE_COUNT_STATES.filter((state) => state !== 'pending');
  const settled = ended.reduce((sum, state) => sum + batch[state], 0);
  return Object.fromEntries(DEVICE_COUNT_STATES.map((state) => [state, state === 'pending' ? stage.pending - settled : stage[state] + batch[state]])) as DeviceCounts;
}

/**
 * Devices rolled back after their counts were last reported move to rolled back: from succeeded
 * first, then from pending (devices of a cut-short batch whose update ended after its last report).
 */
export function settleLateRollback(counts: DeviceCounts, rolledBack: number): DeviceCounts {
  const fromSucceeded = Math.min(counts.succeeded, rolledBack);
  const fromPending = Math.min(counts.pending, rolledBack - fromSucceeded);
  return {
    ...counts,
    succeeded: counts.succeeded - fromSucceeded,
    pending: counts.pending - fromPending,
    rolled_back: counts.rolled_back + fromSucceeded + fromPending,
  };
}

/**
 * Devices a batch rollback returned to their previous version count as rolled back, whether the
 * batch had already counted them as succeeded or, cut short, still as pending. Whatever the cut-short
 * batch left pending after that never finished its update: it counts as failed.
 */
export function settleRollback(batch: DeviceCounts, rolledBack: number): DeviceCounts {
  const fromSucceeded = Math.min(rolledBack, batch.succeeded);
  const fromPending = Math.min(rolledBack - fromSucceeded, batch.pending);
  return {
    ...batch,
    succeeded: batch.succeeded - fromSucceeded,
    pending: 0,
    failed: batch.failed + batch.pending - fromPending,
    rolled_back: batch.rolled_back + fromSucceeded + fromPending,
  };
}
