import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseOrThrow } from '../engine/model/validation';

const HostPort = z
  .string()
  .regex(/^[^:\s]+:\d{1,5}$/, 'write host:port, e.g. 127.0.0.1:9464')
  .transform((value) => {
    const separator = value.lastIndexOf(':');
    return { host: value.slice(0, separator), port: Number(value.slice(separator + 1)) };
  });
export type HostPort = z.infer<typeof HostPort>;

/**
 * Where a worker serves what operators read besides Temporal. Each is off unless set, so that two
 * workers on one machine never fight over a port by default.
 */
export const WorkerEndpoints = z.object({
  /** Prometheus metrics: the SDK's (`temporal_*`) and the rollout's (`fleet_rollout_*`). */
  METRICS_ADDRESS: HostPort.optional(),
  /** Device detail from the ledger, for `rollout devices`. */
  DEVICE_API_ADDRESS: HostPort.optional(),
  /** The codec server for the Web UI and the Temporal CLI (needs FLEET_ROLLOUT_CODEC_KEY): decrypts for anyone who can reach it. */
  CODEC_ADDRESS: HostPort.optional(),
  /** Web UI origins the codec server answers, comma-separated; the dev server's UI by default. */
  CODEC_CORS_ORIGINS: z
    .string()
    .default('http://localhost:8233,http://127.0.0.1:8233')
    .transform((text) => text.split(',').map((origin) => origin.trim()).filter((origin) => origin !== ''))
    .pipe(z.array(z.url({ protocol: /^https?$/, error: 'write the Web UI origin, e.g. http://localhost:8233' }))),
});
export type WorkerEndpoints = z.infer<typeof WorkerEndpoints>;

/** Where an HTTP endpoint bound to `address` answers: the port the system gave when `address` asked for port 0. */
export async function listenAt(app: FastifyInstance, address: HostPort): Promise<string> {
  await app.listen(address);
  const bound = app.server.address();
  const port = typeof bound === 'object' && bound ? bound.port : address.port;
  return `http://${address.host}:${port}`;
}

export const loadWorkerEndpoints = (env: NodeJS.ProcessEnv = process.env): WorkerEndpoints => parseOrThrow(WorkerEndpoints, env, 'environment');
