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
});
export type WorkerEndpoints = z.infer<typeof WorkerEndpoints>;

export const loadWorkerEndpoints = (env: NodeJS.ProcessEnv = process.env): WorkerEndpoints => parseOrThrow(WorkerEndpoints, env, 'environment');
