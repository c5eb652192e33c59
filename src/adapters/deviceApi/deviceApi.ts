import Fastify, { type FastifyInstance } from 'fastify';
import type { Ledger } from '../../engine/ports/ledger';
import { DeviceFilter, findDevice, listDevices } from './deviceDetail';
import { listenAt, type HostPort } from '../workerEndpoints';

/** Paths of the worker's device API; `rollout devices` builds its requests from them. */
export const deviceApiPaths = {
  devices: (rolloutId: string) => `/rollouts/${encodeURIComponent(rolloutId)}/devices`,
  device: (rolloutId: string, deviceId: string) => `/rollouts/${encodeURIComponent(rolloutId)}/devices/${encodeURIComponent(deviceId)}`,
};

/**
 * Device outcomes live in the ledger, not in workflow history (a query could only show what the
 * workflow holds), so the worker, which has the ledger, serves them over HTTP.
 */
export function createDeviceApi(ledger: Ledger): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get<{ Params: { rolloutId: string }; Querystring: Record<string, string> }>('/rollouts/:rolloutId/devices', async (request, reply) => {
    const filter = DeviceFilter.safeParse(request.query);
    if (!filter.success) return reply.code(400).send({ error: filter.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') });
    const page = await listDevices(ledger, request.params.rolloutId, filter.data);
    return page ?? reply.code(404).send({ error: `no rollout ${request.params.rolloutId} in this worker's ledger` });
  });
  app.get<{ Params: { rolloutId: string; deviceId: string } }>('/rollouts/:rolloutId/devices/:deviceId', async (request, reply) => {
    const { rolloutId, deviceId } = request.params;
    const device = await findDevice(ledger, rolloutId, deviceId);
    return device ?? reply.code(404).send({ error: `no device ${deviceId} in rollout ${rolloutId}` });
  });
  return app;
}

export interface ServedDeviceApi {
  url: string;
  close(): Promise<void>;
}

export async function serveDeviceApi(ledger: Ledger, address: HostPort): Promise<ServedDeviceApi> {
  const app = createDeviceApi(ledger);
  return { url: await listenAt(app, address), close: () => app.close() };
}
