import type { RolloutEvent, Webhook } from '../../engine/model/notifications';
import type { Notifier } from '../../engine/ports/notifier';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, webhookBody, webhookSignature } from './webhookBody';

const TIMEOUT_MS = 10_000;

/** POSTs each event to its webhook, signed with the secret from the variable the plan names; any non-2xx answer throws. */
export class WebhookNotifier implements Notifier {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async deliver(webhook: Webhook, event: RolloutEvent): Promise<void> {
    const body = webhookBody(webhook.format, event);
    const headers: Record<string, string> = { 'content-type': 'application/json', [EVENT_ID_HEADER]: event.eventId };
    if (webhook.secretEnv) headers[SIGNATURE_HEADER] = webhookSignature(this.secret(webhook.secretEnv), body);
    const response = await fetch(webhook.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) throw new Error(`webhook ${webhook.url} answered ${response.status} to event ${event.eventId}`);
  }

  private secret(name: string): string {
    const secret = this.env[name];
    if (!secret) throw new Error(`the plan signs webhooks with ${name}, which is not set in the worker's environment`);
    return secret;
  }
}
