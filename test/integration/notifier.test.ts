import assert from 'node:assert/strict';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { createNotifyActivities } from '../../src/engine/activities/notify';
import type { NotifyInput } from '../../src/engine/activities/notify';
import type { RolloutEvent, Webhook } from '../../src/engine/model/notifications';
import { WebhookNotifier } from '../../src/adapters/notifier/webhookNotifier';
import { localEnv, uniqueTaskQueue } from '../helpers/temporal';
import { RECEIVER_SECRET, webhookReceiver as receiver } from '../helpers/webhookReceiver';

const at = '2026-12-04T12:00:00.000Z';
const events: RolloutEvent[] = [
  { eventId: 'r1/decision/1', rolloutId: 'r1', at, kind: 'paused_by_trigger', trigger: 'connectivity drop', decision: 'continue with the next stage', deadline: '2026-12-06T12:00:00.000Z' },
  { eventId: 'r1/quarantine/1', rolloutId: 'r1', at, kind: 'firmware_quarantined', firmwareVersion: '2.0.0', cohort: 'rev-b' },
  { eventId: 'r1/final', rolloutId: 'r1', at, kind: 'completed_with_misses', updated: 195, missed: 5 },
];

describe('rollout events to webhooks, through the notify activity on a dev server', function () {
  this.timeout(120_000);
  process.env.TEST_WEBHOOK_SECRET = RECEIVER_SECRET;

  async function deliver(webhooks: Webhook[]): Promise<void> {
    const env = await localEnv();
    const taskQueue = uniqueTaskQueue('notify');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowsPath: path.resolve(__dirname, '../helpers/workflows/notifyWorkflow.ts'),
      activities: createNotifyActivities({ notifier: new WebhookNotifier() }),
    });
    const inputs: NotifyInput[] = webhooks.flatMap((webhook) => events.map((event) => ({ webhook, event })));
    await worker.runUntil(env.client.workflow.execute('notifyInOrder', { taskQueue, workflowId: taskQueue, args: [inputs] }));
  }

  it('a receiver that fails and recovers, one that loses its answers and a healthy one each get every event once, in order', async () => {
    const failing = await receiver({ failFirst: 3 });
    const losing = await receiver({ failFirst: 2, failAfterProcessing: true });
    const healthy = await receiver();
    try {
      await deliver([failing, losing, healthy].map(({ url }) => ({ url, format: 'json', secretEnv: 'TEST_WEBHOOK_SECRET' })));
      for (const target of [failing, losing, healthy]) {
        assert.deepEqual([...target.accepted.keys()], events.map((event) => event.eventId));
        assert.deepEqual([...target.accepted.values()], events);
      }
      assert.equal(failing.requests(), events.length + 3, 'the failed requests were retried');
      assert.equal(losing.requests(), events.length + 2, 'the unanswered requests were re-sent with their event id');
      assert.equal(healthy.requests(), events.length);
    } finally {
      await Promise.all([failing.close(), losing.close(), healthy.close()]);
    }
  });

  it('sends a Slack-compatible body with a line a person reads', async () => {
    const slack = await receiver();
    try {
      await deliver([{ url: slack.url, format: 'slack', secretEnv: 'TEST_WEBHOOK_SECRET' }]);
      const first = slack.accepted.get('r1/decision/1') as { text: string };
      assert.equal(first.text, 'Rollout r1 paused by connectivity drop: continue with the next stage at 2026-12-06T12:00:00.000Z unless an operator acts');
    } finally {
      await slack.close();
    }
  });
});
