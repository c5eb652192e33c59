import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { Command, InvalidArgumentError } from 'commander';
import { rolloutWorkflowId } from '../src/engine/model/ids';
import { statusQuery } from '../src/engine/workflows/messages';
import { Plan, resolveStage } from '../src/engine/model/plan';
import { batchHistoryBound, CATCH_UP_RUN_HISTORY_BOUND, EVIDENCE_RUN_HISTORY_BOUND, MONITORING_RUN_HISTORY_BOUND, rolloutHistoryBound, stageRunHistoryBound } from '../src/engine/model/historyBudget';
import { batchCount } from '../src/engine/model/planMath';
import { generateDevices } from '../rig/fleet/generateDevices';
import { MemoryFleet } from '../rig/fleet/memoryFleet';
import { rolloutWorkflow } from '../src/engine/workflows';
import { benchLedger, uniqueRolloutId } from '../test/helpers/fixtures';
import { serveTestArtifacts, stopTestArtifacts, writeTestTrustedKeys } from '../test/helpers/artifacts';
import { allRunHistories, largestByType, rolloutWorkflowIds } from '../test/helpers/histories';
import { exitOf, spawnTs } from '../test/helpers/processes';
import { stopTestServers, timeSkippingEnv, uniqueTaskQueue, withWorker } from '../test/helpers/temporal';
import { serveFleet } from '../rig/fleet/serveFleet';
import { childrenPeakRss, ownPeakRss } from './peakMemory';
import { renderScaleReport } from './scaleReport';
import { scalePlan } from './scalePlan';
import { resolveRollout } from '../src/engine/model/rollout';

const PROGRESS_EVERY_MS = 30_000;

interface ScaleOptions {
  devices: number;
  batchSize: number;
  maxConcurrent?: number;
  workerProcess?: boolean;
}

/** Runs the rollout's worker until `body` ends: in this process, or as `src/worker.ts` in its own, reaching the fleet over HTTP. */
type WorkerRun = <T>(body: (taskQueue: string) => Promise<T>) => Promise<T>;

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected a positive whole number');
  return parsed;
}

/**
 * One rollout of `--devices` gateways on an in-memory fleet under time skipping, with real default
 * durations; then every workflow history of the run is read back and the largest reported.
 */
async function benchScale(options: ScaleOptions): Promise<void> {
  const { devices, batchSize } = options;
  const maxConcurrent = options.maxConcurrent ?? batchSize;
  const planInput = scalePlan({ rolloutId: uniqueRolloutId(`scale-${devices}`), batchSize, maxConcurrent });
  const plan = Plan.parse(planInput);
  const env = await timeSkippingEnv();
  const fleet = new MemoryFleet({ devices: generateDevices({ count: devices }) });
  const fleetRssBytes = process.memoryUsage().rss;

  const ledger = await benchLedger();
  const runWorker: WorkerRun = options.workerProcess ? (body) => withWorkerProcess(env, fleet, body) : (body) => withWorker(env, { fleet, ledger }, body);
  const startedAt = performance.now();
  const report = await runWorker(async (taskQueue) => {
    const handle = await env.client.workflow.start(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [resolveRollout({ plan: planInput })] });
    const ticker = setInterval(() => void printProgress(handle, startedAt), PROGRESS_EVERY_MS);
    try {
      return await handle.result();
    } finally {
      clearInterval(ticker);
    }
  });
  const wallMs = performance.now() - startedAt;
  const ledgerBytes = await ledger.databaseBytes();
  await ledger.close();

  const histories = await allRunHistories(env.client, rolloutWorkflowIds(plan, report));
  const children = childrenPeakRss();
  const serverPeak = children.find((child) => child.command === 'java')?.bytes;
  const workerPeak = children.find((child) => child.command === 'node')?.bytes;
  const markdown = renderScaleReport({
    command: `npm run bench:scale -- ${process.argv.slice(2).join(' ')}`,
    devices,
    stages: report.stages.map(({ stage, devices: stageDevices }, index) => ({ stage, devices: stageDevices, batches: batchCount(stageDevices, resolveStage(plan, index).batchSize) })),
    batchSize,
    maxConcurrent,
    state: report.state,
    succeeded: report.stages.reduce((sum, stage) => sum + stage.counts.succeeded, 0),
    wallMs,
    planTimeMs: report.elapsedMs,
    largest: largestByType(histories),
    bounds: {
      rolloutWorkflow: rolloutHistoryBound(plan.stages.length),
      stageWorkflow: Math.max(stageRunHistoryBound(plan.defaults.batchesPerRun), MONITORING_RUN_HISTORY_BOUND),
      batchWorkflow: batchHistoryBound({ devices: batchSize, maxConcurrent, maximumAttempts: plan.retry.maximumAttempts }),
      catchUpWorkflow: CATCH_UP_RUN_HISTORY_BOUND,
      healthWatchWorkflow: EVIDENCE_RUN_HISTORY_BOUND,
    },
    workflowRuns: histories.length,
    ownPeakRssBytes: ownPeakRss(),
    fleetRssBytes,
    serverPeakRssBytes: serverPeak,
    workerProcessPeakRssBytes: workerPeak,
    ledger: { engine: process.env.LEDGER_URL ? 'PostgreSQL' : 'PGlite', bytes: ledgerBytes },
  });
  const file = path.join(__dirname, 'results', `scale-${devices}.md`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, markdown);
  console.log(markdown);
  console.log(`written to ${path.relative(process.cwd(), file)}`);
}

/**
 * The worker as operators run it: `src/worker.ts` in a process of its own, the in-memory fleet behind
 * the fleet REST API in this one, the ledger at LEDGER_URL (or PGlite in the worker's data folder).
 * Its peak RSS is then the worker's alone.
 */
async function withWorkerProcess<T>(env: TestWorkflowEnvironment, fleet: MemoryFleet, body: (taskQueue: string) => Promise<T>): Promise<T> {
  const workdir = mkdtempSync(path.join(tmpdir(), 'bench-worker-'));
  const served = await serveFleet({ fleet, limits: { maxInFlightRequests: 1_000 } });
  const taskQueue = uniqueTaskQueue('scale');
  const worker = spawnTs('src/worker.ts', {
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    FLEET_URL: served.url,
    FIRMWARE_TRUSTED_KEYS_FILE: writeTestTrustedKeys(workdir),
    FLEET_ROLLOUT_DATA: path.join(workdir, 'data'),
    LOG_LEVEL: 'warn',
  });
  worker.stderr?.pipe(process.stderr);
  try {
    return await body(taskQueue);
  } finally {
    worker.kill('SIGTERM');
    await exitOf(worker);
    await served.close();
  }
}

async function printProgress(handle: WorkflowHandle<typeof rolloutWorkflow>, startedAt: number): Promise<void> {
  const status = await handle.query(statusQuery).catch(() => undefined);
  if (!status) return;
  const done = status.stages.reduce((sum, stage) => sum + stage.counts.succeeded + stage.counts.failed + stage.counts.deferred, 0);
  const stage = status.stages.find((candidate) => candidate.name === status.currentStage);
  const where = stage ? `${stage.name} batch ${stage.batchesDone}/${stage.batches}` : status.state;
  console.error(`[${((performance.now() - startedAt) / 1000).toFixed(0)} s] ${where}, ${done} devices done, rss ${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MB`);
}

const program = new Command('bench:scale')
  .description('one large rollout on an in-memory fleet under time skipping; reports the largest workflow histories')
  .option('--devices <count>', 'fleet size', positiveInteger, 100_000)
  .option('--batch-size <count>', 'devices per batch', positiveInteger, 1_000)
  .option('--max-concurrent <count>', 'devices in flight at once (default: the batch size)', positiveInteger)
  .option('--worker-process', 'run src/worker.ts as a process of its own, reaching the in-memory fleet over HTTP (measures the worker alone)')
  .action(async (options: ScaleOptions) => {
    // The plan's firmware is served and signed as in the tests: the worker verifies it before any device.
    await serveTestArtifacts();
    try {
      await benchScale(options);
    } finally {
      await Promise.all([stopTestServers(), stopTestArtifacts()]);
    }
  });

program.parseAsync().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
