import assert from 'node:assert/strict';
import { deadlineWarningAt, eventSummary, Notifications, RolloutEvent, rolloutEventId } from '../../src/engine/model/notifications';
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

  it('warns a quarter of the wait before a deadline, at most an hour of plan time before it', () => {
    const hour = 3_600_000;
    assert.equal(deadlineWarningAt(0, 2 * hour, 1), 1.5 * hour, 'two hours away: warned half an hour before');
    assert.equal(deadlineWarningAt(0, 48 * hour, 1), 47 * hour, 'two days away: warned an hour before');
    assert.equal(deadlineWarningAt(0, 48 * hour, 600), 48 * hour - hour / 600, 'at 600x the hour is six seconds of workflow time');
    assert.equal(deadlineWarningAt(5 * hour, 4 * hour, 1), 4 * hour, 'a deadline already passed is warned at once');
  });

  it('names an event by its rollout, kind and sequence, and tells of a near deadline in one line', () => {
    assert.equal(rolloutEventId('r1', 'deadline_near', 2), 'r1/deadline_near/2');
    const event = RolloutEvent.parse({ eventId: 'r1/deadline_near/1', rolloutId: 'r1', at: '2026-12-04T12:00:00.000Z', kind: 'deadline_near', decision: 'hold: success 70%', deadline: '2026-12-04T13:00:00.000Z' });
    assert.equal(eventSummary(event), 'Rollout r1 decides on its own at 2026-12-04T13:00:00.000Z unless an operator acts: hold: success 70%');
  });
});
