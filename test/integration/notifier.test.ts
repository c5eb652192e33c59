import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { Worker } from '@temporalio/worker';
import { createNotifyActivities } from '../../src/engine/activities/notify';
import type { NotifyInput } from '../../src/engine/activities/notify';
import type { RolloutEvent, Webhook } from '../../src/engine/model/notifications';
import { WebhookNotifier } from '../../src/adapters/notifier/webhookNotifier';
import { EVENT_ID_HEADER, SIGNATURE_HEADER } from '../../src/adapters/notifier/webhookBody';
import { localEnv, uniqueTaskQueue } from '../helpers/temporal';

const SECRET = 'receiver-shared-secret';

/**
 * A receiver as operators would run one: it checks the signature, keeps what it accepted by event
 * id (dropping a repeat), and can be told to fail a number of requests first. A failure "after
 * processing" keeps the event and still answers 500, as when the answer is lost on the way back.
 */
async function receiver({ failFirst = 0, failAfterProcessing = false } = {}) {
  const accepted = new Map<string, unknown>();
  let requests = 0;
  const app: FastifyInstance = Fastify();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.post('/hook', async (request, reply) => {
    requests += 1;
    const body = request.body as string;
    const expected = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    if (request.headers[SIGNATURE_HEADER] !== expected) return reply.code(401).send();
    const eventId = request.headers[EVENT_ID_HEADER] as string;
    const failing = requests <= failFirst;
    if (failing && !failAfterProcessing) return reply.code(503).send();
    if (!accepted.has(eventId)) accepted.set(eventId, JSON.parse(body));
    return reply.code(failing ? 500 : 204).send();
  });
  const url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/hook`;
  return { url, accepted, requests: () => requests, close: () => app.close() };
}

const at = '2026-12-04T12:00:00.000Z';
const events: RolloutEvent[] = [
  { eventId: 'r1/decision/1', rolloutId: 'r1', at, kind: 'paused_by_trigger', trigger: 'connectivity drop', decision: 'continue with the next stage', deadline: '2026-12-06T12:00:00.000Z' },
  { eventId: 'r1/quarantine/1', rolloutId: 'r1', at, kind: 'firmware_quarantined', firmwareVersion: '2.0.0', cohort: 'rev-b' },
  { eventId: 'r1/final', rolloutId: 'r1', at, kind: 'completed_with_misses', updated: 195, missed: 5 },
];

describe('rollout events to webhooks, through the notify activity on a dev server', function () {
  this.timeout(120_000);
  process.env.TEST_WEBHOOK_SECRET = SECRET;

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
