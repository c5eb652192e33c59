import { SEED_STAGES, type PlanInput } from '../src/contracts/plan';
import { firmware } from '../test/helpers/fixtures';

/** Canary, pilot and first wave as shares of the fleet; the last wave takes the rest. */
const STAGE_SHARES = [0.01, 0.05, 0.25] as const;

export interface ScalePlanOptions {
  rolloutId: string;
  devices: number;
  batchSize: number;
  maxConcurrent: number;
}

/**
 * A large-fleet plan: the seed's four stages and monitoring windows at 1 % / 5 % / 25 % / rest of
 * the fleet, as fixed counts, large batches, and every other duration at its default.
 */
export function scalePlan({ rolloutId, devices, batchSize, maxConcurrent }: ScalePlanOptions): PlanInput {
  const leading = STAGE_SHARES.map((share) => Math.max(1, Math.round(devices * share)));
  const rest = devices - leading.reduce((sum, count) => sum + count, 0);
  if (rest < 1) throw new RangeError(`${devices} devices are too few for four stages`);
  const counts = [...leading, rest];
  return {
    rolloutId,
    firmware: firmware(),
    stages: SEED_STAGES.map((stage, index) => ({ name: stage.name, monitorWindow: stage.monitorWindow, devices: counts[index]! })),
    defaults: { batchSize, maxConcurrent },
  };
}
