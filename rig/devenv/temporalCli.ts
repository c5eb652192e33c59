import pino from 'pino';
import { loadDevConfig, startDevServer } from './devConfig';

/** `npm run temporal`: runs the dev server declared in temporal-dev.yml until Ctrl-C. */

const log = pino();

async function main(): Promise<void> {
  const config = loadDevConfig();
  const server = await startDevServer({ config });
  log.info({ address: server.address, namespace: server.namespace, logFile: server.logFile }, 'Temporal dev server running');
  process.stdout.write(`\nTemporal Web UI: ${server.uiUrl}\nServer log: ${server.logFile}\nPress Ctrl-C to stop.\n\n`);

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log.info({ signal }, 'stopping Temporal dev server');
      void server.stop();
    });
  }
  const exitCode = await server.exited;
  if (exitCode) log.error({ exitCode, logFile: server.logFile }, 'Temporal dev server exited unexpectedly');
  process.exitCode = exitCode ?? 0;
}

main().catch((err: Error) => {
  log.error({ err }, 'could not start the Temporal dev server');
  process.stderr.write(`\n${err.message}\n`);
  process.exitCode = 1;
});
