import cors from '@fastify/cors';
import type { Payload, PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { issueLine } from '../../engine/model/validation';
import { listenAt, type HostPort } from '../workerEndpoints';

/** Where the Web UI (`--ui-codec-endpoint`) and `temporal --codec-endpoint` are pointed: they post to `<endpoint>/decode` and `<endpoint>/encode`. */
export const CODEC_PATH = '/codec';

/** A payload as the codec server protocol carries it: protobuf JSON, bytes in base64. */
const JsonPayload = z.object({
  metadata: z.record(z.string(), z.base64('metadata values are base64')).optional(),
  data: z.base64('data is base64').optional(),
});
type JsonPayload = z.infer<typeof JsonPayload>;
const PayloadsBody = z.object({ payloads: z.array(JsonPayload) }, { error: 'send {"payloads": [{"metadata": {...}, "data": "<base64>"}]}' });

const fromJson = ({ metadata, data }: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')])),
  data: Buffer.from(data ?? '', 'base64'),
});
const toJson = ({ metadata, data }: Payload): JsonPayload => ({
  metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? []).toString('base64')])),
  data: Buffer.from(data ?? []).toString('base64'),
});

/**
 * The codec server protocol over the worker's codec: whoever can reach it can read every payload,
 * so it listens where the worker is told to (loopback by default in the README) and answers browsers
 * only from the Web UI origins given. The UI sends `X-Namespace`, and cookies when "include
 * cross-origin credentials" is on, hence the allowed header and credentials.
 */
export function createCodecServer(codec: PayloadCodec, allowedOrigins: readonly string[]): FastifyInstance {
  const app = Fastify({ logger: false });
  void app.register(cors, { origin: [...allowedOrigins], credentials: true, methods: ['POST'], allowedHeaders: ['Content-Type', 'X-Namespace', 'Authorization'] });
  for (const [route, convert] of [['encode', (payloads: Payload[]) => codec.encode(payloads)], ['decode', (payloads: Payload[]) => codec.decode(payloads)]] as const) {
    app.post(`${CODEC_PATH}/${route}`, async (request, reply) => {
      const body = PayloadsBody.safeParse(request.body);
      if (!body.success) return reply.code(400).send({ error: issueLine(body.error) });
      try {
        return { payloads: (await convert(body.data.payloads.map(fromJson))).map(toJson) };
      } catch (error) {
        return reply.code(422).send({ error: (error as Error).message });
      }
    });
  }
  return app;
}

export interface ServedCodec {
  /** The endpoint to give the Web UI: `http://host:port/codec`. */
  url: string;
  close(): Promise<void>;
}

export async function serveCodec(codec: PayloadCodec, allowedOrigins: readonly string[], address: HostPort): Promise<ServedCodec> {
  const app = createCodecServer(codec, allowedOrigins);
  return { url: `${await listenAt(app, address)}${CODEC_PATH}`, close: () => app.close() };
}
