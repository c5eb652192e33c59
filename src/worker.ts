import path from 'node:path';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from './engine/activities';
import { fleetRateLimit, ledgerLocation, loadConfig, loadTrustedKeys, tracingSettings, type Config } from './config';
import { serveDeviceApi } from './adapters/deviceApi/deviceApi';
import { loadWorkerEndpoints, type WorkerEndpoints } from './adapters/workerEndpoints';
import type { Ledger } from './engine/ports/ledger';
import { HttpFleet } from './adapters/fleet/httpFleet';
import { openLedger } from './adapters/ledger/sqlLedger';
import { signatureVerifier } from './adapters/artifacts/verify';
import type { Logger } from 'pino';
import { WebhookNotifier } from './adapters/notifier/webhookNotifier';
import { createLogger, PinoTemporalLogger } from './logger';
import { activityInterceptors } from './adapters/activityInterceptors';
import { telemetryOptions } from './adapters/metrics/telemetry';
import { Client, Connection } from '@temporalio/client';
import { TemporalFleetBudget } from './adapters/budget/temporalBudget';
import type { FleetBudget } from './engine/ports/fleetBudget';
import { tracingFor, type Tracing } from './adapters/tracing/optionalTracing';
import type { DataConverter, PayloadCodec } from '@temporalio/common';
import { payloadCodec, rolloutDataConverter } from './adapters/codec/dataConverter';
import { serveCodec } from './adapters/codec/codecServer';

export interface RolloutWorkerOptions extends ActivityDependencies {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Spans for workflows (bundled interceptors, exported through a sink) and activities; absent: none. */
  tracing?: Tracing;
  /** Encrypts payloads when the environment has a codec key (`rolloutDataConverter`). */
  dataConverter?: DataConverter;
}

/**
 * The worker that runs rollouts: workflows from `src/engine/workflows`, activities wired to the given
 * fleet and ledger. The adaptive limit lives with the fleet client, one per service in this process:
 * it hears every answer the service gives and is shared by every batch of every rollout the worker
 * drives there.
 */
export function createRolloutWorker({ connection, namespace, taskQueue, tracing, dataConverter, ...dependencies }: RolloutWorkerOptions): Promise<Worker> {
  const admission = dependencies.admission ?? (dependencies.fleet instanceof HttpFleet ? dependencies.fleet.admission : undefined);
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(dataConverter ? { dataConverter } : {}),
    workflowsPath: path.join(__dirname, 'engine', 'workflows'),
    activities: createActivities({ notifier: new WebhookNotifier(), ...dependencies, ...(admission ? { admission } : {}) }),
    interceptors: { activity: [...(tracing?.worker.activity ?? []), ...activityInterceptors], workflowModules: tracing?.worker.workflowModules ?? [] },
    ...(tracing ? { sinks: tracing.worker.sinks } : {}),
  });
}

function requireCodec(config: Config): PayloadCodec {
  const codec = payloadCodec(config);
  if (!codec) throw new Error('CODEC_ADDRESS is set but FLEET_ROLLOUT_CODEC_KEY is not: set the key the codec server decrypts with, or unset CODEC_ADDRESS');
  return codec;
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
  const tracing = tracingFor(config, 'worker');
  try {
    await runWorker(config, endpoints, ledger, logger, tracing);
  } finally {
    await ledger.close();
    await tracing?.shutdown();
  }
}

/**
 * The fleet budget when `FLEET_BUDGET_LIMIT` is set: the fleet is the task queue, one worker pool per
 * fleet. The worker's adaptive limit for the service goes with its requests.
 */
async function fleetBudget(config: Config, fleet: HttpFleet, tracing: Tracing | undefined): Promise<{ budget?: FleetBudget; close(): Promise<void> }> {
  if (config.FLEET_BUDGET_LIMIT === undefined) return { close: () => Promise.resolve() };
  const connection = await Connection.connect(config.temporal.options);
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: rolloutDataConverter(config), ...tracing?.client });
  const options = {
    fleet: config.TEMPORAL_TASK_QUEUE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    limit: config.FLEET_BUDGET_LIMIT,
    leaseTtlMs: config.FLEET_BUDGET_LEASE_TTL_SECONDS * 1000,
    admission: fleet.admission,
  };
  return { budget: new TemporalFleetBudget(client, options), close: () => connection.close() };
}

async function runWorker(config: Config, endpoints: WorkerEndpoints, ledger: Ledger, logger: Logger, tracing: Tracing | undefined): Promise<void> {
  const connection = await NativeConnection.connect(config.temporal.options);
  const fleet = new HttpFleet({ baseUrl: requireFleetUrl(config), rateLimit: fleetRateLimit(config) });
  const { budget, close: closeBudget } = await fleetBudget(config, fleet, tracing);
  const deviceApi = endpoints.DEVICE_API_ADDRESS && (await serveDeviceApi(ledger, endpoints.DEVICE_API_ADDRESS));
  const codec = endpoints.CODEC_ADDRESS && (await serveCodec(requireCodec(config), endpoints.CODEC_CORS_ORIGINS, endpoints.CODEC_ADDRESS));
  try {
    const worker = await createRolloutWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      dataConverter: rolloutDataConverter(config),
      fleet,
      ledger,
      artifacts: signatureVerifier(loadTrustedKeys(config)),
      ...(config.FLEET_API_VERSION ? { fleetApiVersion: config.FLEET_API_VERSION } : {}),
      ...(budget ? { budget } : {}),
      ...(tracing ? { tracing } : {}),
    });
    logger.info(
      { taskQueue: config.TEMPORAL_TASK_QUEUE, address: config.temporal.options.address, metrics: endpoints.METRICS_ADDRESS, deviceApi: deviceApi?.url, codec: codec?.url, tracesUrl: tracingSettings(config)?.tracesUrl },
      'worker started',
    );
    await worker.run();
  } finally {
    await deviceApi?.close();
    await codec?.close();
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
