import { INTERVENTION_ERROR_CODES } from '../failures';
import { generationOf } from '../ids';
import type { DeviceOutcome } from '../status';
import type { Operation } from '../../ports/fleetProvider';

/**
 * Update commands of this rollout to the device that ended in failure. A new command (generation)
 * is sent only after the one before it failed, so they are every generation before the latest, and
 * the latest too when it failed.
 */
export function failedUpdates(latest: Operation | undefined): number {
  if (!latest) return 0;
  const generation = generationOf(latest.idempotencyKey);
  return latest.state === 'failed' || latest.state === 'rolled_back' ? generation : generation - 1;
}

/** As within a batch: a device that rolled itself back judged the image, and a wedged update agent needs a person. */
export const cannotBeRetried = (latest: Operation | undefined): boolean =>
  latest?.state === 'rolled_back' || (latest?.state === 'failed' && INTERVENTION_ERROR_CODES.includes(latest.errorCode ?? ''));

/**
 * What the catch-up phase does with a device, given its latest outcome and its latest update
 * operation: `recheck` one that missed its turn (deferred by preflight, or failed while it has failed
 * updates to spare, e.g. unreachable until its attempts timed out); `quarantine` one that failed
 * `quarantineAfterAttempts` updates; leave the rest `settled` (updated, rolled back, or failed in a
 * way retrying cannot fix).
 */
export function catchUpVerdict(outcome: DeviceOutcome, latest: Operation | undefined, quarantineAfterAttempts: number): 'recheck' | 'quarantine' | 'settled' {
  if (outcome.state !== 'deferred' && outcome.state !== 'failed') return 'settled';
  if (cannotBeRetried(latest)) return 'settled';
  return failedUpdates(latest) >= quarantineAfterAttempts ? 'quarantine' : 'recheck';
}

/** The record that takes a device out of the rollout and lists it for support. */
export function quarantinedOutcome(outcome: DeviceOutcome, latest: Operation | undefined, currentVersion: string): DeviceOutcome {
  const failed = failedUpdates(latest);
  const errorCode = latest?.errorCode;
  return {
    deviceId: outcome.deviceId,
    stage: outcome.stage,
    state: 'quarantined',
    attempts: failed,
    reason: `${failed} failed updates, the last with ${errorCode ?? 'no error code'}; on ${currentVersion}: for support`,
    ...(errorCode ? { errorCode } : {}),
    currentVersion,
  };
}
