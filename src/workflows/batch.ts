import { ActivityCancellationType, ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { NON_RETRYABLE_DEVICE_FAILURES } from '../contracts/failures';
import type { RetrySettings, ResolvedStage } from '../contracts/plan';
import type { DeviceCounts, DeviceOutcome } from '../contracts/status';
import { emptyCounts } from '../contracts/status';
import type { PreflightRules } from '../domain/preflight';
import { deviceRetryPolicy, scaled } from '../domain/planMath';
import type { FirmwareRef } from '../fleet/provider';
import { mapWithConcurrency } from './concurrency';

export interface BatchInput {
  rolloutId: string;
  stageIndex: number;
  stage: ResolvedStage;
  offset: number;
  devices: number;
  firmware: FirmwareRef;
  retry: RetrySettings;
  preflight: PreflightRules;
  speedup: number;
}

export interface BatchResult {
  counts: DeviceCounts;
  /** The batch's devices (at most one batch of ids): what a batch rollback needs. */
  deviceIds: string[];
}

const { preflightBatch, recordOutcomes } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/** Updates one batch: preflight, then every ready device with per-device retries, then records outcomes. */
export async function batchWorkflow(input: BatchInput): Promise<BatchResult> {
  const { rolloutId, stageIndex, offset, devices, stage } = input;
  const { ready, deferred } = await preflightBatch({ rolloutId, stageIndex, offset, devices, rules: input.preflight });
  const updated = await mapWithConcurrency(ready, stage.maxConcurrent, (deviceId) => updateOneDevice(input, deviceId));
  const outcomes: DeviceOutcome[] = [
    ...updated,
    ...deferred.map(({ deviceId, reason }) => ({ deviceId, stage: stage.name, state: 'deferred' as const, attempts: 0, reason })),
  ];
  await recordOutcomes({ rolloutId, outcomes });
  return {
    counts: outcomes.reduce((counts, outcome) => ({ ...counts, [outcome.state]: counts[outcome.state] + 1 }), emptyCounts()),
    deviceIds: outcomes.map((outcome) => outcome.deviceId),
  };
}

async function updateOneDevice(input: BatchInput, deviceId: string): Promise<DeviceOutcome> {
  const { stage, speedup, retry } = input;
  const maxPollIntervalMs = scaled(stage.healthCheckInterval, speedup);
  const { updateDevice } = proxyActivities<Activities>({
    startToCloseTimeout: scaled(stage.operationTimeout, speedup),
    heartbeatTimeout: Math.max(5_000, 3 * maxPollIntervalMs),
    retry: deviceRetryPolicy(retry, speedup, NON_RETRYABLE_DEVICE_FAILURES),
    // A rollback must not start while an attempt could still send its command.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    summary: `update ${deviceId}`,
  });
  try {
    const result = await updateDevice({ rolloutId: input.rolloutId, deviceId, firmware: input.firmware, maxPollIntervalMs });
    return { deviceId, stage: stage.name, state: 'succeeded', attempts: result.attempts, operationId: result.operationId };
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    return { deviceId, stage: stage.name, state: 'failed', attempts: attemptsOf(error, retry), reason: failureReason(error) };
  }
}

function attemptsOf(error: ActivityFailure, retry: RetrySettings): number {
  return error.retryState === 'MAXIMUM_ATTEMPTS_REACHED' ? retry.maximumAttempts : 1;
}

function failureReason(error: ActivityFailure): string {
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  return cause?.message ?? error.message;
}
