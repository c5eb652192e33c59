import { createHmac } from 'node:crypto';
import { eventSummary, type RolloutEvent, type Webhook } from '../../engine/model/notifications';

export const EVENT_ID_HEADER = 'x-fleet-rollout-event-id';
export const SIGNATURE_HEADER = 'x-fleet-rollout-signature';

/** The request body: the event itself, or a Slack incoming-webhook message carrying it. */
export function webhookBody(format: Webhook['format'], event: RolloutEvent): string {
  if (format === 'json') return JSON.stringify(event);
  const fields = Object.entries(event).map(([name, value]) => `*${name}*: ${String(value)}`);
  return JSON.stringify({
    text: eventSummary(event),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: eventSummary(event) } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: fields.join(' · ') }] },
    ],
  });
}

/** `sha256=<hex HMAC of the exact body bytes>`, as GitHub-style receivers check it. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
