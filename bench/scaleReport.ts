import os from 'node:os';
import { HISTORY_BYTE_LIMIT, HISTORY_EVENT_LIMIT } from '../src/engine/model/historyBudget';
import type { LargestHistories } from '../test/helpers/histories';


export interface ScaleResult {
  command: string;
  devices: number;
  stages: { stage: string; devices: number; batches: number }[];
  batchSize: number;
  maxConcurrent: number;
  state: string;
  succeeded: number;
  wallMs: number;
  planTimeMs: number;
  largest: LargestHistories[];
  /** What `historyBudget` derives for one run of each workflow type under this plan. */
  bounds: Record<string, number>;
  workflowRuns: number;
  ownPeakRssBytes: number;
  /** The benchmark process's RSS once the in-memory fleet is built, before any worker: the fleet's own share. */
  fleetRssBytes: number;
  serverPeakRssBytes: number | undefined;
  /** With `--worker-process`: the worker's own peak. */
  workerProcessPeakRssBytes: number | undefined;
  ledger: { engine: string; bytes: number };
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const kb = (bytes: number): string => (bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} kB` : mb(bytes));
const minutes = (ms: number): string => `${(ms / 60_000).toFixed(1)} min`;
const count = (value: number): string => value.toLocaleString('en-US');

const eventBreakdown = (types: Record<string, number>): string =>
  Object.entries(types)
    .sort(([, a], [, b]) => b - a)
    .map(([type, events]) => `${type} ${count(events)}`)
    .join(', ');

export function renderScaleReport(result: ScaleResult): string {
  const cpus = os.cpus();
  const updatesPerMinute = result.succeeded / (result.wallMs / 60_000);
  const worstEvents = Math.max(...result.largest.map((type) => type.mostEvents.events));
  const worstBytes = Math.max(...result.largest.map((type) => type.mostBytes.bytes));
  return [
    `# Scale: one rollout of ${count(result.devices)} devices (time skipping)`,
    '',
    `- date: ${new Date().toISOString()}`,
    `- machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${mb(os.totalmem())} RAM, Node ${process.version}`,
    `- command: \`${result.command}\``,
    `- plan: ${result.stages.map((stage) => `${stage.stage} ${count(stage.devices)} (${count(stage.batches)} batch${stage.batches === 1 ? '' : 'es'})`).join(', ')}; batchSize ${result.batchSize}, maxConcurrent ${result.maxConcurrent}, default durations`,
    `- outcome: ${result.state}, ${count(result.succeeded)} of ${count(result.devices)} devices updated, ${count(result.workflowRuns)} workflow runs`,
    '',
    '| workflow type | runs | most events in one run (measured) | bound (derived) | most bytes in one run (measured) |',
    '|---|---:|---:|---:|---:|',
    ...result.largest.map(
      ({ workflowType, runs, mostEvents, mostBytes }) =>
        `| ${workflowType} | ${count(runs)} | ${count(mostEvents.events)} (\`${mostEvents.workflowId}\` run ${mostEvents.run}) | ${count(result.bounds[workflowType] ?? NaN)} | ${kb(mostBytes.bytes)} (\`${mostBytes.workflowId}\` run ${mostBytes.run}) |`,
    ),
    '',
    ...result.largest.map(({ workflowType, mostEvents }) => `- events of the largest ${workflowType} run: ${eventBreakdown(mostEvents.eventTypes)}`),
    '',
    '| measure | value |',
    '|---|---:|',
    `| largest history, events (limit ${count(HISTORY_EVENT_LIMIT)}) | ${count(worstEvents)} ${worstEvents < HISTORY_EVENT_LIMIT ? '✓' : '✗'} |`,
    `| largest history, bytes (limit ${mb(HISTORY_BYTE_LIMIT)}) | ${kb(worstBytes)} ${worstBytes < HISTORY_BYTE_LIMIT ? '✓' : '✗'} |`,
    `| wall time, start to report | ${minutes(result.wallMs)} |`,
    `| plan time skipped through | ${(result.planTimeMs / 3_600_000).toFixed(1)} h |`,
    `| device updates per minute (wall) | ${count(Math.round(updatesPerMinute))} |`,
    ...(result.workerProcessPeakRssBytes === undefined
      ? [`| peak RSS, benchmark process (worker, in-memory fleet${result.ledger.engine === 'PGlite' ? ', embedded ledger' : ''}) | ${mb(result.ownPeakRssBytes)} |`]
      : [
          `| peak RSS, worker process (\`src/worker.ts\`, fleet over HTTP${result.ledger.engine === 'PGlite' ? ', embedded ledger' : ''}) | ${mb(result.workerProcessPeakRssBytes)} |`,
          `| peak RSS, benchmark process (in-memory fleet and its REST API) | ${mb(result.ownPeakRssBytes)} |`,
        ]),
    `| RSS once the in-memory fleet is built, before the worker | ${mb(result.fleetRssBytes)} |`,
    `| ledger (${result.ledger.engine}) size on disk at the end | ${mb(result.ledger.bytes)} |`,
    `| peak RSS, time-skipping test server (Java) | ${result.serverPeakRssBytes === undefined ? 'n/a' : mb(result.serverPeakRssBytes)} |`,
    '',
  ].join('\n');
}
