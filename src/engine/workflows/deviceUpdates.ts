import { ActivityCancellationType, ActivityFailure, ApplicationFailure, isCancellation, patched, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PreflightBatchResult } from '../activities/update';
import { isRetryableEnd, withdrawnOutcome, type DeviceAttempt, type DeviceAttemptResult } from '../model/deviceAttempts';
import { NON_RETRYABLE_DEVICE_FAILURES } from '../model/failures';
import type { DeviceOutcome } from '../model/status';
import { chunks } from '../model/chunks';
import { updateGroupSize } from '../model/historyBudget';
import { nextOpening, openSpanAt, type MaintenanceWindow } from '../model/maintenanceWindow';
import { deviceRetryPolicy, retryBackoff, scaled } from '../model/planMath';
import { legacyUpdateTimeouts, updateTimeouts } from '../model/updateTimeouts';
import type { BatchInput } from './batchInput';
import { Lanes } from './concurrency';
import { nowMs } from './workflowTime';
import { BUDGET_WAIT } from './activityOptions';
import type { LimitTarget } from '../model/concurrencyLimit';

const { awaitLease } = proxyActivities<Activities>(BUDGET_WAIT);

/** Update attempts pass the rollout's target load and ceiling to the service's adaptive limit. */
const ADAPTIVE_CONCURRENCY_PATCH = 'adaptive-concurrency';

interface UpdateGroup {
  deviceIds: string[];
  window?: MaintenanceWindow;
}

/**
 * How many of a batch's update groups wait for something the batch is not to blame for (their
 * maintenance window, their turn at the fleet budget), and when the latest such wait ended.
 */
export class ExcusedWaits {
  waiting = 0;
  lastEndedAt = nowMs();

  began(): void {
    this.waiting += 1;
  }

  ended(): void {
    this.waiting -= 1;
    this.lastEndedAt = nowMs();
  }

  /** The time until now was not the batch's to answer for: the timeout counts again from now. */
  excusedUntilNow(): void {
    this.lastEndedAt = nowMs();
  }
}

/** A batch whose worker leases from a fleet budget waits for each group's lease apart from its attempt. */
const BUDGET_TURN_PATCH = 'budget-turn-excused';

/**
 * Updates a batch's ready devices in groups, never more than `maxConcurrent` devices in flight.
 * Each attempt of a group is one activity; the devices whose attempt failed or timed out are tried
 * again together after the plan's backoff (a durable timer), up to its maximum attempts. A group
 * whose devices have a maintenance window starts each attempt only while the window is open; with
 * `fleetBudget`, each attempt first waits for its turn at the fleet budget. `ended` hears each
 * group's final outcomes as soon as it has them: the batch keeps them.
 */
export async function updateInGroups(
  input: BatchInput,
  { ready, readyInWindow, fleetBudget = false }: Pick<PreflightBatchResult, 'ready' | 'readyInWindow' | 'fleetBudget'>,
  waits: ExcusedWaits,
  ended: (outcomes: DeviceOutcome[]) => void,
): Promise<void> {
  const groupSize = updateGroupSize(input.stage);
  const lanes = new Lanes(Math.max(1, Math.floor(input.stage.maxConcurrent / groupSize)));
  const waitsForBudget = fleetBudget && patched(BUDGET_TURN_PATCH);
  // Devices with a window go first: their time is limited, the others' is not.
  const groups: UpdateGroup[] = [
    ...readyInWindow.flatMap(({ window, deviceIds }) => chunks(deviceIds, groupSize).map((ids) => ({ deviceIds: ids, window: windowAt(input, window) }))),
    ...chunks(ready, groupSize).map((deviceIds) => ({ deviceIds })),
  ];
  await Promise.all(
    groups.map(async (group) => {
      await lanes.acquire();
      const groupOutcomes = await updateGroup(input, group, lanes, waits, waitsForBudget);
      // Not released when cancelled: the whole batch is going then.
      lanes.release();
      ended(groupOutcomes);
    }),
  );
}

/** Update attempts bounded by `updateTimeouts` (request < heartbeat < attempt), not the 5 s heartbeat floor before it. */
const UPDATE_TIMEOUTS_PATCH = 'update-timeouts-nested';

/**
 * Temporal retries an update activity for what is not its devices' doing (a worker that died, a fleet
 * or ledger out of reach) with the plan's backoff and no bound on attempts: such retries cost time,
 * which the batch timeout bounds, not the devices' attempts, which the group's own retries count.
 * Before it, the plan's maximum attempts bounded both, so a worker killed five times during one
 * attempt failed devices that had not yet been sent their update.
 */
const UNBOUNDED_ACTIVITY_RETRIES_PATCH = 'update-activity-retries-unbounded';

function windowAt({ maintenanceWindows }: BatchInput, index: number): MaintenanceWindow {
  const cohortWindow = maintenanceWindows[index];
  if (!cohortWindow) throw new RangeError(`the plan has no maintenance window ${index}`);
  return cohortWindow.window;
}

async function updateGroup(input: BatchInput, { deviceIds, window }: UpdateGroup, lanes: Lanes, waits: ExcusedWaits, waitsForBudget: boolean): Promise<DeviceOutcome[]> {
  const { retry, speedup } = input;
  const outcomes: DeviceOutcome[] = [];
  let pending: DeviceAttempt[] = deviceIds.map((deviceId) => ({ deviceId, failedGeneration: 0 }));
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > 1) await sleep(scaled(retryBackoff(retry, attempt - 2), speedup), { summary: `retry ${attempt} of ${pending.length} devices` });
    const sendBeforeMs = window && (await untilOpen(window, lanes, waits));
    const leaseId = waitsForBudget ? await budgetTurn(input, pending, attempt, waits) : undefined;
    const results = await attemptGroup(input, pending, sendBeforeMs, leaseId);
    pending = [];
    for (const result of results) {
      if (isRetryableEnd(result.end) && attempt < retry.maximumAttempts) pending.push({ deviceId: result.deviceId, failedGeneration: result.generation });
      else outcomes.push(outcomeOf(input, result, attempt));
    }
  }
  return outcomes;
}

/**
 * Returns, holding a lane, while `window` is open, with the moment it closes. While it is closed the
 * group gives its lane to devices that may be updated now and waits for the next opening on a durable
 * timer; by the time a lane is free again, the window may have closed once more.
 */
async function untilOpen(window: MaintenanceWindow, lanes: Lanes, waits: ExcusedWaits): Promise<number> {
  for (;;) {
    const now = nowMs();
    const open = openSpanAt(now, window);
    if (open) return open.closesAtMs;
    lanes.release();
    waits.began();
    const opensAt = nextOpening(now, window);
    await sleep(opensAt - now, { summary: `wait for the maintenance window opening ${new Date(opensAt).toISOString()}` });
    waits.ended();
    await lanes.acquire();
  }
}

/**
 * Waits, holding the group's lane, until the fleet budget grants the attempt's lease; the attempt
 * takes the lease over. Time spent behind other rollouts is not the batch's: it is an excused wait.
 */
async function budgetTurn({ rolloutId, priority }: BatchInput, devices: DeviceAttempt[], attempt: number, waits: ExcusedWaits): Promise<string> {
  const leaseId = `${workflowInfo().workflowId}/${devices[0]?.deviceId}/${attempt}`;
  waits.began();
  try {
    await awaitLease({ leaseId, rolloutId, priority, operations: devices.length });
  } finally {
    waits.ended();
  }
  return leaseId;
}

/**
 * One attempt of a group. An activity that failed for good (a failure retrying cannot fix; before
 * `update-activity-retries-unbounded`, also Temporal's retries of it spent) ends the attempt of all
 * its devices as `rejected`.
 */
async function attemptGroup(input: BatchInput, devices: DeviceAttempt[], sendBeforeMs: number | undefined, leaseId: string | undefined): Promise<DeviceAttemptResult[]> {
  const { stage, speedup, retry } = input;
  const timeouts = patched(UPDATE_TIMEOUTS_PATCH) ? updateTimeouts(stage, speedup) : legacyUpdateTimeouts(stage, speedup);
  const { maxPollIntervalMs, operationTimeoutMs } = timeouts;
  const retryPolicy = deviceRetryPolicy(retry, speedup, NON_RETRYABLE_DEVICE_FAILURES);
  const { updateDevices } = proxyActivities<Activities>({
    startToCloseTimeout: timeouts.startToCloseTimeoutMs,
    heartbeatTimeout: timeouts.heartbeatTimeoutMs,
    retry: patched(UNBOUNDED_ACTIVITY_RETRIES_PATCH) ? { ...retryPolicy, maximumAttempts: Number.POSITIVE_INFINITY } : retryPolicy,
    // A rollback must not start while an attempt could still send its commands.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    summary: `update ${devices.length} devices from ${devices[0]?.deviceId}`,
  });
  try {
    return await updateDevices({
      rolloutId: input.rolloutId,
      devices,
      ...(input.flag ? { flag: input.flag } : { firmware: input.firmware }),
      maxPollIntervalMs,
      operationTimeoutMs,
      catchUpRound: input.catchUpRound,
      priority: input.priority,
      ...(sendBeforeMs === undefined ? {} : { sendBeforeMs }),
      ...(leaseId === undefined ? {} : { leaseId }),
      ...(timeouts.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: timeouts.requestTimeoutMs }),
      ...adaptiveLimit(stage),
    });
  } catch (error) {
    if (isCancellation(error) || !(error instanceof ActivityFailure)) throw error;
    const cause = error.cause;
    const reason = cause instanceof ApplicationFailure ? `${cause.type ?? 'Error'}: ${cause.message}` : (cause?.message ?? error.message);
    return devices.map(({ deviceId, failedGeneration }) => ({ deviceId, end: 'rejected', generation: failedGeneration, reason }));
  }
}

/** The service's adaptive limit, for rollouts whose plan was resolved with a target load (older ones have none). */
function adaptiveLimit({ targetLoadPercent, maxConcurrent }: BatchInput['stage']): { limit?: LimitTarget } {
  if (!patched(ADAPTIVE_CONCURRENCY_PATCH) || targetLoadPercent === undefined) return {};
  return { limit: { targetLoadPercent, ceiling: maxConcurrent } };
}

function outcomeOf({ stage }: BatchInput, result: DeviceAttemptResult, attempts: number): DeviceOutcome {
  if (result.end === 'withdrawn') return withdrawnOutcome(result.deviceId, stage.name);
  if (result.end === 'succeeded') return { deviceId: result.deviceId, stage: stage.name, state: 'succeeded', attempts, ...(result.operationId ? { operationId: result.operationId } : {}) };
  return { deviceId: result.deviceId, stage: stage.name, state: 'failed', attempts, ...(result.reason ? { reason: result.reason } : {}) };
}
