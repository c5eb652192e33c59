import { createFleetServer, type FleetServerOptions } from './server';

export interface ServeFleetOptions extends FleetServerOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
}

export interface ServedFleet {
  url: string;
  close(): Promise<void>;
}

export async function serveFleet({ port = 0, host = '127.0.0.1', ...serverOptions }: ServeFleetOptions): Promise<ServedFleet> {
  const app = createFleetServer(serverOptions);
  await app.listen({ port, host });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error(`fleet server is not listening on TCP: ${address}`);
  return { url: `http://${host}:${address.port}`, close: () => app.close() };
}
