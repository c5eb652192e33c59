import { log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RolloutEvent, Webhook } from '../model/notifications';

export interface AlertDeliveryInput {
  webhooks: Webhook[];
  event: RolloutEvent;
}

/** Receivers go down for a while: retry with backoff for a day, then give the event up. */
const { notifyWebhook } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  summary: 'POST the rollout event to one webhook',
});

/**
 * Delivers one rollout event to every webhook of the plan, each through its own activity so a
 * retry re-sends only to the receiver that failed. Started by the rollout and abandoned: it outlives
 * the rollout, and its failure never reaches it. Returns how many webhooks took the event.
 */
export async function alertDeliveryWorkflow({ webhooks, event }: AlertDeliveryInput): Promise<{ delivered: number; of: number }> {
  const results = await Promise.allSettled(webhooks.map((webhook) => notifyWebhook({ webhook, event })));
  const failed = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  for (const { reason } of failed) log.warn('a webhook never took the rollout event', { eventId: event.eventId, error: reason as unknown });
  return { delivered: results.length - failed.length, of: results.length };
}
