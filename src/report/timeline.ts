import { z } from 'zod';
import { DeviceCounts, RolloutState, type RolloutStatus } from '../contracts/status';
import type { SimMetrics } from '../simulator/metrics';

/** The rollout and the fleet's management service at one moment of plan time. */
export const TimelineSample = z.object({
  planTimeMs: z.number().nonnegative(),
  state: RolloutState,
  stage: z.string().optional(),
  devices: DeviceCounts,
  cpuPercent: z.number(),
  operationsInFlight: z.number().int(),
  online: z.number().int(),
});
export type TimelineSample = z.infer<typeof TimelineSample>;

export const sampleOf = (status: RolloutStatus, metrics: SimMetrics): TimelineSample => ({
  planTimeMs: metrics.clock.planTimeMs,
  state: status.state,
  ...(status.currentStage ? { stage: status.currentStage } : {}),
  devices: status.devices,
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
