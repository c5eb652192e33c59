import type { FastifyBaseLogger } from 'fastify';
import type { AdmissionLimit } from '../fleet/admissionLimit';
import type { ServedFleet } from '../fleet/serveFleet';
import { createFleetServer } from '../fleet/server';
import { installServiceLoad, registerSimulatorRoutes, reportServiceLoad } from './routes';
import type { SimulatedFleet } from './simulatedFleet';

export interface ServeSimulatorOptions {
  fleet: SimulatedFleet;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  logger?: FastifyBaseLogger;
  limits?: Partial<AdmissionLimit>;
}

/** The fleet's REST contract served by the simulated fleet, under its service's load, plus `/sim/*`. */
export async function serveSimulator({ fleet, port = 0, host = '127.0.0.1', logger, limits }: ServeSimulatorOptions): Promise<ServedFleet> {
  const app = createFleetServer({ fleet, ...(logger ? { logger } : {}), ...(limits ? { limits } : {}) });
  installServiceLoad(app, fleet);
  reportServiceLoad(app, fleet);
  registerSimulatorRoutes(app, fleet);
  await app.listen({ port, host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error(`simulator is not listening on TCP: ${address}`);
  return { url: `http://${host}:${address.port}`, close: () => app.close() };
}
