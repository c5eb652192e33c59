import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Activities } from '../../engine/activities';
import type { UpdateDevicesInput } from '../../engine/activities/update';
import { RolloutMetric } from '../../engine/model/metricNames';

/** The activity that drives one attempt of a group of devices' firmware updates from command to end. */
const UPDATE_ACTIVITY: keyof Activities = 'updateDevices';

/**
 * Counts the firmware updates this worker is driving: up by a group's devices when an
 * `updateDevices` attempt starts, down by as many when it ends however it ends. Lives in an interceptor so the activities stay free of metrics.
 */
export const countOperationsInFlight: ActivityInterceptorsFactory = (context) => ({
  inbound: {
    async execute(input, next) {
      if (context.info.activityType !== UPDATE_ACTIVITY || !context.metricMeter.createUpDownCounter) return next(input);
      const inFlight = context.metricMeter.createUpDownCounter(RolloutMetric.operationsInFlight, 'operations', 'Firmware updates this worker is driving right now');
      const { devices } = input.args[0] as UpdateDevicesInput;
      inFlight.add(devices.length);
      try {
        return await next(input);
      } finally {
        inFlight.add(-devices.length);
      }
    },
  },
});
