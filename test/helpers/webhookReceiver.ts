import { createHmac } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { EVENT_ID_HEADER, SIGNATURE_HEADER } from '../../src/adapters/notifier/webhookBody';

export const RECEIVER_SECRET = 'receiver-shared-secret';

export interface WebhookReceiver {
  url: string;
  /** What it accepted, by event id, in the order it first accepted each. */
  accepted: Map<string, unknown>;
  /** Requests received, and those carrying an event id already accepted (dropped). */
  requests: () => number;
  duplicates: () => number;
  close: () => Promise<void>;
}

/**
 * A receiver as operators would run one: it checks the signature, keeps what it accepted by event
 * id (dropping a repeat), and can be told to fail a number of requests first. A failure "after
 * processing" keeps the event and still answers 500, as when the answer is lost on the way back.
 */
export async function webhookReceiver({ failFirst = 0, failAfterProcessing = false } = {}): Promise<WebhookReceiver> {
  const accepted = new Map<string, unknown>();
  let requests = 0;
  let duplicates = 0;
  const app: FastifyInstance = Fastify();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.post('/hook', async (request, reply) => {
    requests += 1;
    const body = request.body as string;
    const expected = `sha256=${createHmac('sha256', RECEIVER_SECRET).update(body).digest('hex')}`;
    if (request.headers[SIGNATURE_HEADER] !== expected) return reply.code(401).send();
    const eventId = request.headers[EVENT_ID_HEADER] as string;
    const failing = requests <= failFirst;
    if (failing && !failAfterProcessing) return reply.code(503).send();
    if (accepted.has(eventId)) duplicates += 1;
    else accepted.set(eventId, JSON.parse(body));
    return reply.code(failing ? 500 : 204).send();
  });
  const url = `${await app.listen({ port: 0, host: '127.0.0.1' })}/hook`;
  return { url, accepted, requests: () => requests, duplicates: () => duplicates, close: () => app.close() };
}
