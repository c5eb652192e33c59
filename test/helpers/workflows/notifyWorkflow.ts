import { proxyActivities } from '@temporalio/workflow';
import type { NotifyInput, createNotifyActivities } from '../../../src/engine/activities/notify';

/** Test-only workflow: delivers events in order through the notify activity, retrying fast. */
const { notifyWebhook } = proxyActivities<ReturnType<typeof createNotifyActivities>>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '50 milliseconds', backoffCoefficient: 1, maximumAttempts: 20 },
});

export async function notifyInOrder(inputs: NotifyInput[]): Promise<void> {
  for (const input of inputs) await notifyWebhook(input);
}
