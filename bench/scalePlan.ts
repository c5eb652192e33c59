import { SEED_STAGES, type PlanInput } from '../src/engine/model/plan';
import { firmware } from '../test/helpers/fixtures';

/** Canary, pilot, first wave and the rest, as cumulative shares of the fleet. */
const STAGE_PERCENTS = [1, 6, 31, 100] as const;

export interface ScalePlanOptions {
  rolloutId: string;
  batchSize: number;
  maxConcurrent: number;
}

/**
 * A large-fleet plan: the seed's four stages and monitoring windows at 1 % / 5 % / 25 % / rest of
 * the fleet (percent stages, cumulative), large batches, and every other duration at its default.
 */
export function scalePlan({ rolloutId, batchSize, maxConcurrent }: ScalePlanOptions): PlanInput {
  return {
    rolloutId,
    firmware: firmware(),
    stages: SEED_STAGES.map((stage, index) => ({ name: stage.name, monitorWindow: stage.monitorWindow, percent: STAGE_PERCENTS[index]! })),
    defaults: { batchSize, maxConcurrent },
  };
}
