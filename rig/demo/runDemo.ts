import path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { serveSignedFirmware } from '../artifacts/signedFirmware';
import { signatureVerifier } from '../../src/adapters/artifacts/verify';
import { loadConfig, type Config } from '../../src/config';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import { isFinished } from '../../src/engine/model/status';
import { readFirmwarePlanFile } from '../../src/client/planFile';
import { RolloutClient } from '../../src/client';
import { watchRollout } from '../../src/cli/watch';
import { startDevServer, type RunningDevServer, type StartDevServerOptions } from '../devenv/devConfig';
import { HttpFleet } from '../../src/adapters/fleet/httpFleet';
import { openLedger } from '../../src/adapters/ledger/sqlLedger';
import { buildReport, type RolloutReport } from '../report/rolloutReport';
import { terminalSummary } from '../report/terminalSummary';
import { writeReport, type WrittenReport } from '../report/writeReport';
import { RealtimeClock } from '../simulator/clock';
import { serveSimulator } from '../simulator/serveSimulator';
import { SimulatedFleet } from '../simulator/simulatedFleet';
import { SimulatorClient } from '../simulator/simulatorClient';
import { createRolloutWorker } from '../../src/worker';
import { rolloutDataConverter } from '../../src/adapters/codec/dataConverter';
import { FleetObserver } from './fleetObserver';
import type { DemoOptions } from './options';

const MIB = 1024 * 1024;
const HOUR_MS = 3_600_000;
/** Plan milliseconds per simulation step, as the simulator's own default. */
const SIM_STEP_MS = 1000;
/** The signing key made for the run; the worker trusts it alone. */
const KEY_ID = 'demo-run';

export interface DemoEnvironment {
  /** How to start the dev server when TEMPORAL_ADDRESS names no cluster: temporal-dev.yml's settings unless told otherwise. */
  devServer?: StartDevServerOptions;
}

export interface DemoResult {
  report: RolloutReport;
  files: WrittenReport;
}

/**
 * The README's main command: a Temporal dev server (unless TEMPORAL_ADDRESS points elsewhere), the
 * gateway simulator behind its real HTTP API, a worker driving it through HttpFleet, and the plan
 * played `speedup` times faster on both sides; live progress, then a report with a timeline chart.
 */
export async function runDemo(options: DemoOptions, environment: DemoEnvironment = {}): Promise<DemoResult> {
  const startedAt = performance.now();
  const runId = new Date().toISOString().replace(/[:.]/g, '-');
  const runDir = path.resolve(options.out, runId);
  const plan = await readFirmwarePlanFile(options.plan);
  const server = process.env.TEMPORAL_ADDRESS ? undefined : await startDevServer(environment.devServer);
  // Each demo drives a fleet of its own, so it gets a task queue of its own: an interrupted earlier
  // demo, still "running" in the dev server's database, is another fleet's rollout.
  const config = loadConfig({ TEMPORAL_TASK_QUEUE: `fleet-rollout-demo-${runId}`, ...process.env, ...(server ? { TEMPORAL_ADDRESS: server.address } : {}) });
  const firmware = await serveSignedFirmware(plan.firmware.version, Math.round(options.imageMb * MIB), KEY_ID);
  const clock = new RealtimeClock(options.speedup, SIM_STEP_MS);
  const fleet = new SimulatedFleet({ devices: options.devices, seed: options.seed, profile: options.profile }, clock);
  const simulator = await serveSimulator({ fleet });
  const sim = new SimulatorClient(simulator.url);
  const connection = await NativeConnection.connect(config.temporal.options);
  const client = await RolloutClient.connect(config);
  // A ledger per run (PGlite in the run's folder): a firmware quarantined by one demo (profile bad-firmware) must not refuse the next.
  const ledger = await openLedger({ dataDir: path.join(runDir, 'ledger') });
  // At this speed-up the default 20 requests/s would stretch every poll by minutes of plan time.
  const fleetClient = new HttpFleet({ baseUrl: simulator.url, rateLimit: { requestsPerSecond: 200 } });
  try {
    const worker = await createRolloutWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      dataConverter: rolloutDataConverter(config),
      fleet: fleetClient,
      ledger,
      artifacts: signatureVerifier(firmware.trustedKeys),
    });
    const result = await worker.runUntil(async () => {
      const rolloutId = `demo-${runId}`;
      const devicesBefore = await sim.devices();
      clock.start();
      await client.start({ plan: { ...plan, rolloutId, firmware: firmware.firmware }, speedup: options.speedup, startedBy: 'demo' });
      console.log(`rollout ${rolloutId}: ${options.devices} simulated gateways (seed ${options.seed}, profile ${options.profile}), plan ${options.plan}, time ×${options.speedup}`);
      if (server?.uiUrl) console.log(`Web UI: ${workflowUrl(server, config, rolloutId)}\n`);
      const observer = new FleetObserver(sim, { limitMs: options.limitHours * HOUR_MS, stopWhenHeld: !options.waitHeld }, fleetClient.admission);
      const status = await watchRollout(client, rolloutId, { observe: (current) => observer.observe(current) });
      if (!isFinished(status.state)) await client.handle(rolloutId).terminate(`the demo is over: ${observer.stoppedBy === 'held' ? 'held for an operator' : `still ${status.state} after ${options.limitHours} h of plan time`}`);
      const [targets, outcomes, devicesAfter, outcome, metrics] = await Promise.all([
        ledger.targets(rolloutId),
        ledger.outcomes(rolloutId),
        sim.devices(),
        sim.outcome(plan.firmware.version),
        sim.metrics(),
      ]);
      const report = buildReport({
        run: { plan: options.plan, devices: options.devices, seed: options.seed, profile: options.profile, speedup: options.speedup, imageBytes: firmware.firmware.sizeBytes },
        wallTimeMs: performance.now() - startedAt,
        stoppedBy: observer.stoppedBy,
        status,
        targets: new Set(targets.keys()),
        outcomes,
        devicesBefore,
        devicesAfter,
        fleet: outcome,
        metrics,
        adaptiveLimit: observer.adaptiveLimit,
      });
      return { report, files: await writeReport(runDir, report, observer.samples) };
    });
    console.log(`\n${terminalSummary(result.report)}\n\nreport: ${shown(result.files.markdown)} (chart: ${shown(result.files.png)})`);
    if (server?.uiUrl && options.keep) await untilInterrupted(`\nThe Web UI stays up at ${server.uiUrl}; press Ctrl-C to stop.`);
    return result;
  } finally {
    clock.stop();
    await client.close();
    await connection.close();
    await simulator.close();
    await firmware.close();
    await server?.stop();
    await ledger.close();
  }
}

/** Relative to where the demo was started when the file is below it. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

const workflowUrl = (server: RunningDevServer, config: Config, rolloutId: string): string =>
  `${server.uiUrl}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(rolloutWorkflowId(rolloutId))}`;

function untilInterrupted(message: string): Promise<void> {
  console.log(message);
  return new Promise((resolve) => process.once('SIGINT', () => resolve()));
}
