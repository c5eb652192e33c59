import type { RolloutEvent, Webhook } from '../model/notifications';

/** The port to whoever operators hear from: delivers one event to one webhook, or throws so the activity retries. */
export interface Notifier {
  deliver(webhook: Webhook, event: RolloutEvent): Promise<void>;
}
