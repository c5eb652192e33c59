import { ApplicationFailure } from '@temporalio/activity';
import type { RolloutEvent, Webhook } from '../model/notifications';
import type { ActivityDependencies } from './dependencies';

export interface NotifyInput {
  webhook: Webhook;
  event: RolloutEvent;
}

export function createNotifyActivities({ notifier }: Pick<ActivityDependencies, 'notifier'>) {
  /**
   * One webhook per activity, so a retry re-sends to the receiver that failed only; a retry after a
   * lost answer sends the same event id again, which the receiver drops.
   */
  async function notifyWebhook({ webhook, event }: NotifyInput): Promise<void> {
    if (!notifier) throw ApplicationFailure.nonRetryable('this worker has no notifier wired', 'NoNotifier');
    await notifier.deliver(webhook, event);
  }

  return { notifyWebhook };
}
