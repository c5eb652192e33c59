import type { PlanInput } from '../../src/engine/model/plan';
import type { FirmwareRef } from '../../src/engine/ports/fleetProvider';

export interface CampaignPlanOptions {
  rolloutId: string;
  firmware: FirmwareRef;
  batchSize: number;
  maxConcurrent: number;
  batchGap: string;
  monitorWindow: string;
  /** Plan time a batch has before its gate judges it; absent: the product's default (30 minutes). */
  batchTimeout?: string;
  /** The service load the adaptive limit keeps under; absent: the product's default. */
  targetLoadPercent?: number;
  /** Cumulative shares of the fleet, one stage each. */
  stagePercents: readonly number[];
}

/**
 * A rollout for a whole simulated fleet in percent stages. Catch-up re-checks the devices that
 * missed their turn for 12 hours of plan time, not the product's week, so a run ends in minutes.
 */
export const campaignPlan = ({ rolloutId, firmware, batchSize, maxConcurrent, batchGap, monitorWindow, batchTimeout, targetLoadPercent, stagePercents }: CampaignPlanOptions): PlanInput => ({
  rolloutId,
  firmware,
  stages: stagePercents.map((percent, index) => ({ name: `stage-${index + 1}`, percent, monitorWindow })),
  defaults: { batchSize, maxConcurrent, batchGap, ...(batchTimeout === undefined ? {} : { batchTimeout }), ...(targetLoadPercent === undefined ? {} : { targetLoadPercent }) },
  catchUp: { rolloutWindow: '12 hours' },
});
