import { ActivityCancellationType, ActivityFailure, ApplicationFailure, isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { isRetryableEnd, withdrawnOutcome, type DeviceAttempt, type DeviceAttemptResult } from '../contracts/deviceAttempts';
import { NON_RETRYABLE_DEVICE_FAILURES } from '../contracts/failures';
import type { DeviceOutcome } from '../contracts/status';
import { chunks } from '../lib/chunks';
import { DEVICES_PER_UPDATE_ACTIVITY } from '../domain/historyBudget';
import { deviceRetryPolicy, retryBackoff, scaled, scaledTimeout } from '../domain/planMath';
import type { BatchInput } from './batch';
import { mapWithConcurrency } from './concurrency';

/**
 * Updates a batch's ready devices in groups, never more than `maxConcurrent` devices in flight.
 * Each attempt of a group is one activity; the devices whose attempt failed or timed out are tried
 * again together after the plan's backoff (a durable timer), up to its maximum attempts. `ended`
 * hears each group's final outcomes as soon as it has them.
 */
export async function updateInGroups(input: BatchInput, ready: string[], ended: (outcomes: DeviceOutcome[]) => void): Promise<DeviceOutcome[]> {
  const groupSize = Math.min(DEVICES_PER_UPDATE_ACTIVITY, input.stage.maxConcurrent);
  const lanes = Math.max(1, Math.floor(input.stage.maxConcurrent / groupSize));
  const groups = await mapWithConcurrency(chunks(ready, groupSize), lanes, async (deviceIds) => {
    const outcomes = await updateGroup(input, deviceIds);
    ended(outcomes);
    return outcomes;
  });
  return groups.flat();
}

async function updateGroup(input: BatchInput, deviceIds: string[]): Promise<DeviceOutcome[]> {
  const { retry, speedup } = input;
  const outcomes: DeviceOutcome[] = [];
  let pending: DeviceAttempt[] = deviceIds.map((deviceId) => ({ deviceId, failedGeneration: 0 }));
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > 1) await sleep(scaled(retryBackoff(retry, attempt - 2), speedup), { summary: `retry ${attempt} of ${pending.length} devices` });
    const results = await attemptGroup(input, pending);
    pending = [];
    for (const result of results) {
      if (isRetryableEnd(result.end) && attempt < retry.maximumAttempts) pending.push({ deviceId: result.deviceId, failedGeneration: result.generation });
      else outcomes.push(outcomeOf(input, result, attempt));
    }
  }
  return outcomes;
}

/**
 * One attempt of a group. An activity that failed for good (Temporal's retries of it, for a dead
 * worker or an unreachable fleet, are spent) ends the attempt of all its devices as `rejected`.
 */
async function attemptGroup(input: BatchInput, devices: DeviceAttempt[]): Promise<DeviceAttemptResult[]> {
  const { stage, speedup, retry } = input;
  const maxPollIntervalMs = scaled(stage.healthCheckInterval, speedup);
  const operationTimeoutMs = scaledTimeout(stage.operationTimeout, speedup);
  const { updateDevices } = proxyActivities<Activities>({
    // The activity ends itself at the operation timeout; this only catches one that hangs.
    startToCloseTimeout: operationTimeoutMs + 2 * maxPollIntervalMs,
    heartbeatTimeout: Math.max(5_000, 3 * maxPollIntervalMs),
    retry: deviceRetryPolicy(retry, speedup, NON_RETRYABLE_DEVICE_FAILURES),
    // A rollback must not start while an attempt could still send its commands.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    summary: `update ${devices.length} devices from ${devices[0]?.deviceId}`,
  });
  try {
    return await updateDevices({ rolloutId: input.rolloutId, devices, firmware: input.firmware, maxPollIntervalMs, operationTimeoutMs });
  } catch (error) {
    if (isCancellation(error) || !(error instanceof ActivityFailure)) throw error;
    const cause = error.cause;
    const reason = cause instanceof ApplicationFailure ? `${cause.type ?? 'Error'}: ${cause.message}` : (cause?.message ?? error.message);
    return devices.map(({ deviceId, failedGeneration }) => ({ deviceId, end: 'rejected', generation: failedGeneration, reason }));
  }
}

function outcomeOf({ stage }: BatchInput, result: DeviceAttemptResult, attempts: number): DeviceOutcome {
  if (result.end === 'withdrawn') return withdrawnOutcome(result.deviceId, stage.name);
  if (result.end === 'succeeded') return { deviceId: result.deviceId, stage: stage.name, state: 'succeeded', attempts, ...(result.operationId ? { operationId: result.operationId } : {}) };
  return { deviceId: result.deviceId, stage: stage.name, state: 'failed', attempts, ...(result.reason ? { reason: result.reason } : {}) };
}
