import path from 'node:path';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from './engine/activities';
import { ledgerLocation, loadConfig, loadTrustedKeys, type Config } from './config';
import { serveDeviceApi } from './adapters/deviceApi/deviceApi';
import { loadWorkerEndpoints, type WorkerEndpoints } from './adapters/workerEndpoints';
import type { Ledger } from './engine/ports/ledger';
import { HttpFleet } from './adapters/fleet/httpFleet';
import { openLedger } from './adapters/ledger/sqlLedger';
import { signatureVerifier } from './adapters/artifacts/verify';
import type { Logger } from 'pino';
import { WebhookNotifier } from './adapters/notifier/webhookNotifier';
import { createLogger, PinoTemporalLogger } from './logger';
import { countOperationsInFlight } from './adapters/metrics/operationsInFlight';
import { telemetryOptions } from './adapters/metrics/telemetry';
import { Client, Connection } from '@temporalio/client';
import { TemporalFleetBudget } from './adapters/budget/temporalBudget';
import type { FleetBudget } from './engine/ports/fleetBudget';

export interface RolloutWorkerOptions extends ActivityDependencies {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
}

/**
 * The worker that runs rollouts: workflows from `src/engine/workflows`, activities wired to the given
 * fleet and ledger. The adaptive limit lives with the fleet client, one per service in this process:
 * it hears every answer the service gives and is shared by every batch of every rollout the worker
 * drives there.
 */
export function createRolloutWorker({ connection, namespace, taskQueue, ...dependencies }: RolloutWorkerOptions): Promise<Worker> {
  const admission = dependencies.admission ?? (dependencies.fleet instanceof HttpFleet ? dependencies.fleet.admission : undefined);
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    workflowsPath: path.join(__dirname, 'engine', 'workflows'),
    activities: createActivities({ notifier: new WebhookNotifier(), ...dependencies, ...(admission ? { admission } : {}) }),
    interceptors: { activity: [countOperationsInFlight] },
  });
}

export function requireFleetUrl(config: Config): string {
  if (!config.FLEET_URL) throw new Error('FLEET_URL is not set: point it at the device-management service, e.g. FLEET_URL=http://127.0.0.1:8080 (npm run sim serves one)');
  return config.FLEET_URL;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const endpoints = loadWorkerEndpoints();
  const logger = createLogger(config.LOG_LEVEL);
  Runtime.install({ logger: new PinoTemporalLogger(logger), telemetryOptions: telemetryOptions(endpoints.METRICS_ADDRESS) });
  const ledger = await openLedger(ledgerLocation(config));
  try {
    await runWorker(config, endpoints, ledger, logger);
  } finally {
    await ledger.close();
  }
}

/**
 * The fleet budget when `FLEET_BUDGET_LIMIT` is set: the fleet is the task queue, one worker pool per
 * fleet. The worker's adaptive limit for the service goes with its requests.
 */
async function fleetBudget(config: Config, fleet: HttpFleet): Promise<{ budget?: FleetBudget; close(): Promise<void> }> {
  if (config.FLEET_BUDGET_LIMIT === undefined) return { close: () => Promise.resolve() };
  const connection = await Connection.connect(config.temporal.options);
  const client = new Client({ connection, namespace: config.temporal.namespace });
  const options = {
    fleet: config.TEMPORAL_TASK_QUEUE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    limit: config.FLEET_BUDGET_LIMIT,
    leaseTtlMs: config.FLEET_BUDGET_LEASE_TTL_SECONDS * 1000,
    admission: fleet.admission,
  };
  return { budget: new TemporalFleetBudget(client, options), close: () => connection.close() };
}

async function runWorker(config: Config, endpoints: WorkerEndpoints, ledger: Ledger, logger: Logger): Promise<void> {
  const connection = await NativeConnection.connect(config.temporal.options);
  const fleet = new HttpFleet({ baseUrl: requireFleetUrl(config) });
  const { budget, close: closeBudget } = await fleetBudget(config, fleet);
  const deviceApi = endpoints.DEVICE_API_ADDRESS && (await serveDeviceApi(ledger, endpoints.DEVICE_API_ADDRESS));
  try {
    const worker = await createRolloutWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      fleet,
      ledger,
      artifacts: signatureVerifier(loadTrustedKeys(config)),
      ...(config.FLEET_API_VERSION ? { fleetApiVersion: config.FLEET_API_VERSION } : {}),
      ...(budget ? { budget } : {}),
    });
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, address: config.temporal.options.address, metrics: endpoints.METRICS_ADDRESS, deviceApi: deviceApi?.url }, 'worker started');
    await worker.run();
  } finally {
    await deviceApi?.close();
    await closeBudget();
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
