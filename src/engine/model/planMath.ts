import type { Plan, RetrySettings } from './plan';
import { resolveStage } from './plan';

export interface StageSize {
  stage: string;
  devices: number;
}

/**
 * Stage sizes for an eligible fleet of `eligible` devices, given how many each cohort (select) stage
 * selected: cohort stages come first; count stages take their count and percent stages their
 * cumulative share from the rest, until none are left.
 */
export function stageSizes(plan: Pick<Plan, 'stages'>, eligible: number, selected: readonly number[] = []): StageSize[] {
  let taken = 0;
  return plan.stages.map((stage, index) => {
    const left = eligible - taken;
    const devices = stage.select
      ? (selected[index] ?? 0)
      : stage.percent !== undefined
        ? Math.max(0, Math.min(left, cumulativeShare(stage.percent, eligible) - taken))
        : Math.min(stage.devices ?? 0, left);
    taken += devices;
    return { stage: stage.name, devices };
  });
}

/** Rounded up, so a 1 % canary of a small fleet is one device rather than none; the epsilon absorbs float error (0.07 × 100). */
const cumulativeShare = (percent: number, eligible: number): number => Math.ceil((percent * eligible) / 100 - 1e-9);

export const batchCount = (devices: number, batchSize: number): number => Math.ceil(devices / batchSize);

export interface BatchRange {
  offset: number;
  devices: number;
}

export function batchRange(stageDevices: number, batchSize: number, batchIndex: number): BatchRange {
  const offset = batchIndex * batchSize;
  return { offset, devices: Math.max(0, Math.min(batchSize, stageDevices - offset)) };
}

/** Plan durations are real-world durations; a speed-up plays them faster without changing the plan. */
export const scaled = (millis: number, speedup: number): number => Math.max(1, Math.round(millis / speedup));

/**
 * A speed-up shortens waits, not the system's own latency: a timeout never drops below ten real
 * seconds, or a 30-minute operation timeout played 1200× faster would cut off healthy updates.
 */
const MIN_REAL_TIMEOUT_MS = 10_000;
export const scaledTimeout = (millis: number, speedup: number): number => Math.max(Math.min(millis, MIN_REAL_TIMEOUT_MS), scaled(millis, speedup));

/** The seed's `min(300·2^n, 3600)` s as a Temporal retry policy. */
export function deviceRetryPolicy(retry: RetrySettings, speedup: number, nonRetryableErrorTypes: string[]) {
  return {
    initialInterval: scaled(retry.initialInterval, speedup),
    backoffCoefficient: retry.backoffCoefficient,
    maximumInterval: scaled(retry.maximumInterval, speedup),
    maximumAttempts: retry.maximumAttempts,
    nonRetryableErrorTypes,
  };
}

/** The wait in plan time before retry `retryIndex` (0 for the first retry): the seed's `min(300·2^n, 3600)` s. */
export const retryBackoff = (retry: RetrySettings, retryIndex: number): number =>
  Math.min(retry.initialInterval * retry.backoffCoefficient ** retryIndex, retry.maximumInterval);

/** Waits in plan time between the first retry and attempt `attempts` (the retry policy's backoff). */
export function backoffSchedule(retry: RetrySettings, attempts: number): number[] {
  return Array.from({ length: Math.max(0, attempts - 1) }, (_, retryIndex) => retryBackoff(retry, retryIndex));
}

/** The durable waits a plan adds up to when every batch succeeds: gaps between batches and monitoring windows. */
export function plannedWaitMs(plan: Plan, sizes: StageSize[]): number {
  return sizes.reduce((total, size, index) => {
    if (size.devices === 0) return total;
    const stage = resolveStage(plan, index);
    const gaps = (batchCount(size.devices, stage.batchSize) - 1) * stage.batchGap;
    return total + gaps + stage.monitorWindow;
  }, 0);
}
