import { resolveStage } from './plan';
import type { PlanTimeline } from './health/power';
import { expectedCount } from './health/poisson';
import { batchCount } from './planMath';

const HOUR_MS = 3_600_000;

export interface StageForecast {
  stage: string;
  devices: number;
  /** Devices on the new firmware once this stage is done: all of them are exposed while it is watched. */
  cumulativeDevices: number;
  batches: number;
  /** Plan hours from the rollout's start: with every gap, batch timeout and monitoring window waited in full. */
  startsAtHours: number;
  endsAtHours: number;
  /** Crashes the baseline predicts over the monitoring window. */
  expectedCrashes: number;
}

/** What a plan will do before anything starts: the seeds' timeline and the crashes each window expects. */
export function forecastPlan(plan: PlanTimeline, stageDevices: readonly number[]): StageForecast[] {
  let hours = 0;
  let cumulativeDevices = 0;
  return plan.stages.map((_, index) => {
    const stage = resolveStage(plan, index);
    const devices = stageDevices[index] ?? 0;
    const batches = batchCount(devices, stage.batchSize);
    cumulativeDevices += devices;
    const monitorHours = stage.monitorWindow / HOUR_MS;
    const updateHours = (Math.max(0, batches - 1) * stage.batchGap + (batches > 0 ? stage.batchTimeout : 0)) / HOUR_MS;
    const expectedCrashes = expectedCount({ exposedDevices: cumulativeDevices, exposureHours: monitorHours, baselineRatePerDeviceHour: plan.health.baseline.crashRatePerDeviceHour });
    const startsAtHours = hours;
    hours += updateHours + monitorHours;
    return {
      stage: stage.name,
      devices,
      cumulativeDevices,
      batches,
      startsAtHours,
      endsAtHours: hours,
      expectedCrashes,
    };
  });
}
