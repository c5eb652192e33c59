import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Activities } from '../activities';
import { RolloutMetric } from './names';

/** The activity that drives one firmware update on one device from command to end. */
const UPDATE_ACTIVITY: keyof Activities = 'updateDevice';

/**
 * Counts the firmware updates this worker is driving: +1 when an `updateDevice` attempt starts,
 * −1 when it ends however it ends. Lives in an interceptor so the activities stay free of metrics.
 */
export const countOperationsInFlight: ActivityInterceptorsFactory = (context) => ({
  inbound: {
    async execute(input, next) {
      if (context.info.activityType !== UPDATE_ACTIVITY || !context.metricMeter.createUpDownCounter) return next(input);
      const inFlight = context.metricMeter.createUpDownCounter(RolloutMetric.operationsInFlight, 'operations', 'Firmware updates this worker is driving right now');
      inFlight.add(1);
      try {
        return await next(input);
      } finally {
        inFlight.add(-1);
      }
    },
  },
});
