/** What the batch workflow and the update activity tell each other about one device's attempt. */
import type { DeviceOutcome } from './status';

export interface DeviceAttempt {
  deviceId: string;
  /** The generation of this device's last failed operation that the workflow knows of; 0 before its first attempt. */
  failedGeneration: number;
}

/**
 * How one device's attempt ended. `failed`, `timed_out` and `window_closed` (its maintenance window
 * closed before the command went out) are worth another attempt; `rejected` (the fleet created no
 * operation) and `unrecoverable` (the device rolled itself back, or needs a person) are not:
 * retrying would push the image onto a device that refused it. `withdrawn`: a cohort rollback took
 * the device out of the rollout before it got the image.
 */
export type AttemptEnd = 'succeeded' | 'failed' | 'timed_out' | 'window_closed' | 'rejected' | 'unrecoverable' | 'withdrawn';

export const isRetryableEnd = (end: AttemptEnd): boolean => end === 'failed' || end === 'timed_out' || end === 'window_closed';

export interface DeviceAttemptResult {
  deviceId: string;
  end: AttemptEnd;
  /** The generation of the device's latest operation (0 if it has none). */
  generation: number;
  operationId?: string;
  reason?: string;
}

/** A withdrawn device stays on the version it ran; it was never tried, so no gate counts it. */
export const withdrawnOutcome = (deviceId: string, stage: string): DeviceOutcome => ({
  deviceId,
  stage,
  state: 'excluded',
  attempts: 0,
  reason: 'withdrawn: its cohort was rolled back before its turn',
});
