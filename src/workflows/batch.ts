import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { batchProgressSignal, deviceMilestoneSignal } from '../contracts/engineMessages';
import { NON_RETRYABLE_DEVICE_FAILURES } from '../contracts/failures';
import type { RetrySettings, ResolvedStage } from '../contracts/plan';
import type { DeviceCounts, DeviceOutcome } from '../contracts/status';
import { emptyCounts } from '../contracts/status';
import { settleBatch } from '../domain/gates';
import type { PreflightRules } from '../domain/preflight';
import { deviceRetryPolicy, scaled, scaledTimeout } from '../domain/planMath';
import type { FirmwareRef } from '../fleet/provider';
import { mapWithConcurrency } from './concurrency';

export interface BatchInput {
  rolloutId: string;
  stageIndex: number;
  batchIndex: number;
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
}

const { preflightBatch, recordOutcomes } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * Updates one batch: preflight, then every ready device with per-device retries, then records
 * outcomes. Tells its stage how far it got as devices pass the pipelining state and as they end.
 */
export async function batchWorkflow(input: BatchInput): Promise<BatchResult> {
  const { rolloutId, stageIndex, offset, devices, stage } = input;
  const progress = new BatchProgressReporter(input.batchIndex, devices, stage.pipelineFraction);
  setHandler(deviceMilestoneSignal, ({ deviceId }) => progress.reached(deviceId));

  const { ready, deferred } = await preflightBatch({ rolloutId, stageIndex, offset, devices, rules: input.preflight });
  const deferredOutcomes = deferred.map(({ deviceId, reason }) => ({ deviceId, stage: stage.name, state: 'deferred' as const, attempts: 0, reason }));
  deferredOutcomes.forEach((outcome) => progress.ended(outcome));
  const updated = await mapWithConcurrency(ready, stage.maxConcurrent, async (deviceId) => {
    const outcome = await updateOneDevice(input, deviceId);
    progress.ended(outcome);
    return outcome;
  });
  const outcomes: DeviceOutcome[] = [...updated, ...deferredOutcomes];
  await recordOutcomes({ rolloutId, outcomes });
  await progress.flushed();
  return { counts: progress.counts };
}

/** Keeps the batch's counts and signals them to the parent stage when they matter to it. */
class BatchProgressReporter {
  counts: DeviceCounts;
  private readonly milestones = new Set<string>();
  private readonly threshold: number;
  private readonly sent: Promise<void>[] = [];
  private readonly stage = getExternalWorkflowHandle(workflowInfo().parent!.workflowId);

  constructor(
    private readonly batchIndex: number,
    devices: number,
    pipelineFraction: number,
  ) {
    this.counts = emptyCounts(devices);
    this.threshold = Math.ceil(pipelineFraction * devices);
  }

  reached(deviceId: string): void {
    const before = this.milestones.size;
    this.milestones.add(deviceId);
    if (before < this.threshold && this.milestones.size >= this.threshold) this.send();
  }

  ended(outcome: DeviceOutcome): void {
    this.milestones.add(outcome.deviceId);
    this.counts = settleBatch(this.counts, { ...emptyCounts(), [outcome.state]: 1 });
    this.send();
  }

  async flushed(): Promise<void> {
    await Promise.all(this.sent);
  }

  private send(): void {
    const sending = this.stage.signal(batchProgressSignal, { batchIndex: this.batchIndex, reachedMilestone: this.milestones.size, counts: this.counts });
    // Awaited in flushed(); handled here too, as a cancelled batch never gets there.
    sending.catch(() => undefined);
    this.sent.push(sending);
  }
}

async function updateOneDevice(input: BatchInput, deviceId: string): Promise<DeviceOutcome> {
  const { stage, speedup, retry } = input;
  const maxPollIntervalMs = scaled(stage.healthCheckInterval, speedup);
  const { updateDevice } = proxyActivities<Activities>({
    startToCloseTimeout: scaledTimeout(stage.operationTimeout, speedup),
    heartbeatTimeout: Math.max(5_000, 3 * maxPollIntervalMs),
    retry: deviceRetryPolicy(retry, speedup, NON_RETRYABLE_DEVICE_FAILURES),
    // A rollback must not start while an attempt could still send its command.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    summary: `update ${deviceId}`,
  });
  try {
    const result = await updateDevice({ rolloutId: input.rolloutId, deviceId, firmware: input.firmware, maxPollIntervalMs, milestone: stage.pipelineState });
    return { deviceId, stage: stage.name, state: 'succeeded', attempts: result.attempts, operationId: result.operationId };
  } catch (error) {
    if (isCancellation(error) || !(error instanceof ActivityFailure)) throw error;
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
