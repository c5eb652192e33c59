import assert from 'node:assert/strict';
import { Notifications } from '../../src/engine/model/notifications';
import { webhookBody, webhookSignature } from '../../src/adapters/notifier/webhookBody';

describe('plan notifications', () => {
  it('defaults a webhook to the JSON body and accepts a Slack one with its secret variable', () => {
    const parsed = Notifications.parse({ webhooks: [{ url: 'https://ops.example/hooks/rollouts' }, { url: 'https://hooks.slack.com/services/T/B/X', format: 'slack', secretEnv: 'SLACK_HOOK_SECRET' }] });
    assert.deepEqual(parsed.webhooks.map((webhook) => webhook.format), ['json', 'slack']);
  });

  it('refuses a URL other than http(s), an unknown format and a secret written in place of its variable', () => {
    assert.equal(Notifications.safeParse({ webhooks: [{ url: 'ftp://ops.example/x' }] }).success, false);
    assert.equal(Notifications.safeParse({ webhooks: [{ url: 'https://ops.example/x', format: 'teams' }] }).success, false);
    assert.equal(Notifications.safeParse({ webhooks: [{ url: 'https://ops.example/x', secretEnv: 's3cr3t-value!' }] }).success, false);
  });

  it('signs the exact body bytes with HMAC-SHA256 (a published test vector)', () => {
    const body = 'The quick brown fox jumps over the lazy dog';
    assert.equal(webhookSignature('key', body), 'sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
    assert.notEqual(webhookSignature('key', `${body} `), webhookSignature('key', body));
  });

  it('renders the JSON body as the event itself', () => {
    const event = { eventId: 'e1', rolloutId: 'r1', at: '2026-12-04T12:00:00.000Z', kind: 'waiting_for_approval', stage: 'pilot' } as const;
    assert.deepEqual(JSON.parse(webhookBody('json', event)), event);
  });
});
