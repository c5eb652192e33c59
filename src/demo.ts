import { NativeConnection, Runtime } from '@temporalio/worker';
import { Command } from 'commander';
import Fastify from 'fastify';
import type { PlanInput } from './contracts/plan';
import { connectionOptions, loadConfig, loadTrustedKeys, type Config } from './config';
import { firmwareImage } from './artifacts/firmwareImage';
import { loadPlanFile } from './control/planFile';
import { RolloutClient } from './control/rolloutClient';
import { describeStage, watchRollout } from './control/watch';
import { rolloutWorkflowId } from './contracts/ids';
import { startDevServer, type RunningDevServer } from './devenv/devConfig';
import { generateDevices } from './fleet/generateDevices';
import { HttpFleet } from './fleet/http/httpFleet';
import { serveFleet } from './fleet/http/serveFleet';
import { MemoryFleet, type PhaseDurations } from './fleet/memoryFleet';
import { FileLedger } from './ledger/fileLedger';
import { createLogger, PinoTemporalLogger } from './logger';
import { createRolloutWorker } from './worker';

/** How long each step of an update takes on a real gateway (a 150 MB image over a modest link). */
const GATEWAY_PHASES_MS: PhaseDurations = { queued: 30_000, downloading: 480_000, downloaded: 30_000, installing: 240_000, rebooting: 120_000 };

interface DemoOptions {
  plan: string;
  devices: number;
  speedup: number;
  keep: boolean;
}

/**
 * The embedded default: a local Temporal dev server (unless TEMPORAL_ADDRESS points elsewhere), a
 * simulated fleet behind real HTTP, a worker, and the seed plan played `speedup` times faster.
 */
async function runDemo(options: DemoOptions): Promise<void> {
  // Failed attempts that Temporal retries are expected here; only errors are worth a line.
  const logger = createLogger(process.env.LOG_LEVEL ?? 'error');
  Runtime.install({ logger: new PinoTemporalLogger(logger) });
  const server = process.env.TEMPORAL_ADDRESS ? undefined : await startDevServer();
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  // Each demo drives a fleet of its own, so it gets a task queue of its own: an interrupted earlier
  // demo, still "running" in the dev server's database, is another fleet's rollout.
  const config = loadConfig({ TEMPORAL_TASK_QUEUE: `fleet-rollout-demo-${runId}`, ...process.env, ...(server ? { TEMPORAL_ADDRESS: server.address } : {}) });
  const fleet = demoFleet(options);
  const served = await serveFleet({ fleet });
  const plan = await loadPlanFile(options.plan);
  const artifacts = await serveFirmware(plan.firmware);
  const connection = await NativeConnection.connect(connectionOptions(config));
  const client = await RolloutClient.connect(config);
  try {
    const worker = await createRolloutWorker({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      fleet: new HttpFleet({ baseUrl: served.url, rateLimit: { requestsPerSecond: 200 } }),
      ledger: new FileLedger(config.LEDGER_DIR),
      trustedKeys: loadTrustedKeys(config),
    });
    await worker.runUntil(async () => {
      const rolloutId = `demo-${runId}`;
      await client.start({ plan: { ...plan, rolloutId, firmware: { ...plan.firmware, url: artifacts.url } }, speedup: options.speedup, startedBy: 'demo' });
      console.log(`rollout ${rolloutId}: ${options.devices} gateways, plan ${options.plan}, time ×${options.speedup}`);
      if (server?.uiUrl) console.log(`Web UI: ${workflowUrl(server, config, rolloutId)}\n`);
      await watchRollout(client, rolloutId);
      printReport(await client.status(rolloutId), fleet, options.devices);
    });
    if (server?.uiUrl && options.keep) await untilInterrupted(`\nThe Web UI stays up at ${server.uiUrl}; press Ctrl-C to stop.`);
  } finally {
    await client.close();
    await connection.close();
    await served.close();
    await artifacts.close();
    await server?.stop();
  }
}

/** Serves the plan's firmware image (the bytes its SHA-256 and signature were made from) on a free port. */
async function serveFirmware(firmware: PlanInput['firmware']): Promise<{ url: string; close(): Promise<void> }> {
  const image = firmwareImage(firmware.version, firmware.sizeBytes);
  const app = Fastify();
  app.get('/firmware/:file', async (_request, reply) => reply.type('application/octet-stream').send(image));
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `${address}/firmware/${firmware.version}.bin`, close: () => app.close() };
}

function demoFleet({ devices, speedup }: DemoOptions): MemoryFleet {
  const phases = Object.fromEntries(Object.entries(GATEWAY_PHASES_MS).map(([phase, ms]) => [phase, ms / speedup])) as unknown as PhaseDurations;
  const fleet = new MemoryFleet({ devices: generateDevices({ count: devices, seed: 7 }), phases });
  // A few gateways that need a retry, and two that preflight defers (low battery, busy CPU).
  for (const id of ['gw-00012', 'gw-00077', 'gw-00140']) fleet.failNextUpdates(id, 1, 'DOWNLOAD_INTERRUPTED');
  fleet.setVitals('gw-00031', { batteryPercent: 20 });
  fleet.setVitals('gw-00160', { cpuPercent: 85 });
  return fleet;
}

function printReport(status: Awaited<ReturnType<RolloutClient['status']>>, fleet: MemoryFleet, devices: number): void {
  console.log(`\nrollout ${status.rolloutId} ${status.state}`);
  for (const stage of status.stages) console.log(`  ${describeStage(stage)}`);
  const commands = [...fleet.acceptedCommands().values()];
  const onTarget = generateDevices({ count: devices, seed: 7 }).filter((device) => fleet.device(device.id).firmwareVersion === status.firmwareVersion).length;
  console.log(`  gateways on ${status.firmwareVersion}: ${onTarget}/${devices}; update commands sent: ${commands.reduce((sum, count) => sum + count, 0)}`);
  for (const decision of status.decisions) console.log(`  decision at ${decision.stage} ${decision.gate}: ${decision.action} (${decision.reason})`);
}

const workflowUrl = (server: RunningDevServer, config: Config, rolloutId: string): string =>
  `${server.uiUrl}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/${encodeURIComponent(rolloutWorkflowId(rolloutId))}`;

function untilInterrupted(message: string): Promise<void> {
  console.log(message);
  return new Promise((resolve) => process.once('SIGINT', () => resolve()));
}

if (require.main === module) {
  const program = new Command('demo')
    .description('run a staged rollout on a local Temporal dev server against a simulated fleet')
    .option('--plan <file>', 'plan file', 'plans/seed-200.yml')
    .option('--devices <count>', 'gateways in the simulated fleet', Number, 200)
    .option('--speedup <factor>', 'play plan time this many times faster', Number, 1200)
    .option('--keep', 'keep the dev server and Web UI running after the rollout', false)
    .action((options: DemoOptions) => runDemo(options));
  program.parseAsync(process.argv).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
