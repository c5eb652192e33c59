import { z } from 'zod';
import { DeviceCounts, RolloutState, type RolloutStatus } from '../../src/engine/model/status';
import type { SimMetrics } from '../simulator/metrics';
import type { FleetOutcome } from '../simulator/outcome';

/** The rollout and the fleet's management service at one moment of plan time. */
export const TimelineSample = z.object({
  planTimeMs: z.number().nonnegative(),
  state: RolloutState,
  stage: z.string().optional(),
  /** Devices by state as the workflow counts them. */
  devices: DeviceCounts,
  /** Gateways on the target firmware and working, as the simulator knows them (after a rollback, fewer than the workflow's succeeded). */
  onTarget: z.number().int(),
  cpuPercent: z.number(),
  operationsInFlight: z.number().int(),
  online: z.number().int(),
});
export type TimelineSample = z.infer<typeof TimelineSample>;

export const sampleOf = (status: RolloutStatus, metrics: SimMetrics, fleet: FleetOutcome): TimelineSample => ({
  planTimeMs: metrics.clock.planTimeMs,
  state: status.state,
  ...(status.currentStage ? { stage: status.currentStage } : {}),
  devices: status.devices,
  onTarget: fleet.updated,
  cpuPercent: metrics.management.cpuPercent,
  operationsInFlight: metrics.management.operationsInFlight,
  online: metrics.devices.online,
});

export const StageSpan = z.object({ stage: z.string(), fromMs: z.number(), toMs: z.number() });
export type StageSpan = z.infer<typeof StageSpan>;

/**
 * When each stage was the rollout's current one, as far as the samples saw: from its first sample
 * to the next stage's first (or the last sample). A stage seen twice (after a pause) is one span.
 */
export function stageSpans(samples: readonly TimelineSample[]): StageSpan[] {
  const spans: StageSpan[] = [];
  for (const sample of samples) {
    const open = spans.at(-1);
    if (open) open.toMs = sample.planTimeMs;
    if (sample.stage && sample.stage !== open?.stage && !spans.some((span) => span.stage === sample.stage)) {
      spans.push({ stage: sample.stage, fromMs: sample.planTimeMs, toMs: sample.planTimeMs });
    }
  }
  return spans;
}

export const StateChange = z.object({ state: RolloutState, atMs: z.number() });
export type StateChange = z.infer<typeof StateChange>;

/** Moments the rollout left its normal course (paused, rolling back) or ended, as the samples saw them. */
export function stateChanges(samples: readonly TimelineSample[]): StateChange[] {
  return samples.flatMap((sample, index) => {
    const changed = index > 0 && sample.state !== samples[index - 1]!.state;
    return changed && sample.state !== 'running' ? [{ state: sample.state, atMs: sample.planTimeMs }] : [];
  });
}
