import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { Campaign } from './campaign/campaign';
import { campaignPlan } from './campaign/campaignPlan';
import { historyTotals, type HistoryTotals } from './campaign/historyTotals';
import { machineLine, mib } from './campaign/reporting';

/** AWS IoT Jobs' documented ceiling for a job's rollout rate (maximumPerMinute of jobExecutionsRolloutConfig). */
const AWS_IOT_JOBS_PER_MINUTE = 1000;
const AWS_IOT_JOBS_DOC = 'https://docs.aws.amazon.com/iot/latest/developerguide/jobs-rollout-abort-scheduling.html';

const ThroughputOptions = z.object({
  devices: z.string().transform((list) => list.split(',').map((count) => z.coerce.number().int().min(10).max(100_000).parse(count))),
  speedup: z.coerce.number().min(1),
  stepMs: z.coerce.number().int().positive(),
  requestsPerSecond: z.coerce.number().positive(),
  batchSize: z.coerce.number().int().min(1),
  maxConcurrent: z.coerce.number().int().min(1),
  targetLoadPercent: z.coerce.number().gt(0).max(100),
  limitMinutes: z.coerce.number().positive(),
});
type ThroughputOptions = z.infer<typeof ThroughputOptions>;

interface ThroughputRun {
  devices: number;
  state: string;
  succeeded: number;
  wallMs: number;
  histories: HistoryTotals;
  workerCpuSeconds: number;
  workerPeakRssBytes: number;
}

/**
 * `npm run bench:throughput`: one rollout per fleet size, without faults, on the same parts as the
 * chaos campaign (dev server on its database file, the worker as a process, HttpFleet against the
 * simulator over HTTP): device updates per minute, workflow tasks per second, history per device,
 * the worker's CPU and RSS.
 */
async function main(options: ThroughputOptions): Promise<void> {
  const runs: ThroughputRun[] = [];
  for (const devices of options.devices) {
    const run = await measure(options, devices);
    console.error(JSON.stringify({ ...run, histories: undefined, ...run.histories }));
    runs.push(run);
  }
  const markdown = renderThroughput(runs, options);
  const file = path.join(__dirname, 'results', `throughput-${new Date().toISOString().slice(0, 16).replace(/:/g, '')}.md`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, markdown);
  console.log(markdown);
  console.error(`written to ${path.relative(process.cwd(), file)}`);
}

async function measure(options: ThroughputOptions, devices: number): Promise<ThroughputRun> {
  const campaign = await Campaign.start({
    devices,
    seed: 1,
    speedup: options.speedup,
    stepMs: options.stepMs,
    profile: 'clean',
    requestsPerSecond: options.requestsPerSecond,
    imageBytes: 1024 * 1024,
    firmwareVersion: '2.0.0',
    rssSampleMs: 1000,
    ...(process.env.LEDGER_URL ? { ledgerUrl: process.env.LEDGER_URL } : {}),
  });
  try {
    await campaign.startWorker();
    const rolloutId = `throughput-${devices}-${Date.now()}`;
    const startedAt = performance.now();
    await campaign.startRollout(
      campaignPlan({
        rolloutId,
        firmware: campaign.firmware.firmware,
        batchSize: options.batchSize,
        maxConcurrent: options.maxConcurrent,
        targetLoadPercent: options.targetLoadPercent,
        batchGap: '0 seconds',
        monitorWindow: '10 minutes',
        stagePercents: [1, 100],
      }),
    );
    const status = await campaign.waitUntilFinished(rolloutId, options.limitMinutes * 60_000);
    const wallMs = performance.now() - startedAt;
    campaign.sampler.sample();
    return {
      devices,
      state: status?.pendingDecision ? `${status.state}: ${status.pendingDecision.reason}` : (status?.state ?? 'unknown'),
      succeeded: status?.devices.succeeded ?? 0,
      wallMs,
      histories: await historyTotals(await campaign.temporalClient, campaign.taskQueue),
      workerCpuSeconds: campaign.sampler.cpuSeconds,
      workerPeakRssBytes: campaign.sampler.peakRssBytes,
    };
  } finally {
    await campaign.stop();
  }
}

function renderThroughput(runs: ThroughputRun[], options: ThroughputOptions): string {
  const perMinute = (run: ThroughputRun) => run.succeeded / (run.wallMs / 60_000);
  const rows = runs.map((run) => {
    const seconds = run.wallMs / 1000;
    const cells = [
      run.devices,
      `${run.state}, ${run.succeeded} updated`,
      `${seconds.toFixed(0)} s`,
      `**${Math.round(perMinute(run)).toLocaleString('en')}**`,
      `${(perMinute(run) / AWS_IOT_JOBS_PER_MINUTE).toFixed(1)}×`,
      (run.histories.workflowTasksCompleted / seconds).toFixed(1),
      (run.histories.events / run.devices).toFixed(2),
      `${(run.histories.bytes / run.devices).toFixed(0)} B`,
      `${run.histories.workflowTasksFailed}`,
      `${((100 * run.workerCpuSeconds) / seconds).toFixed(0)} % (${run.workerCpuSeconds.toFixed(0)} s)`,
      mib(run.workerPeakRssBytes),
    ];
    return `| ${cells.join(' | ')} |`;
  });
  return [
    `## Throughput on a dev server with its database file`,
    '',
    '| gateways | rollout | wall | device updates/min | vs AWS IoT Jobs (1,000/min) | workflow tasks/s | history events per device | history bytes per device | workflow tasks failed | worker CPU (of one core) | worker peak RSS |',
    '|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows,
    '',
    `AWS IoT Jobs: a job's rollout rate \`maximumPerMinute\` is at most ${AWS_IOT_JOBS_PER_MINUTE.toLocaleString('en')} things per minute (${AWS_IOT_JOBS_DOC}).`,
    `Wall time runs from the start request to the rollout's end and includes the canary's monitoring window (10 minutes of plan time) and the workflow's own waits.`,
    `${machineLine()} · speed-up ${options.speedup}, simulation step ${options.stepMs} ms, FLEET_REQUESTS_PER_SECOND=${options.requestsPerSecond}, batches of ${options.batchSize}, maxConcurrent ${options.maxConcurrent}, targetLoadPercent ${options.targetLoadPercent} · \`npm run bench:throughput -- ${process.argv.slice(2).join(' ')}\``,
    '',
  ].join('\n');
}

if (require.main === module) {
  const program = new Command('bench:throughput')
    .description('device updates per minute on a dev server with its database file, the worker as a process, HttpFleet against the simulator')
    .option('--devices <list>', 'comma-separated fleet sizes', '10000,100000')
    .option('--speedup <factor>', 'plan time per real time, for the workflow and the simulator', '1200')
    .option('--step-ms <ms>', "the simulator's plan milliseconds per step (every step visits every gateway)", '60000')
    .option('--requests-per-second <n>', "the worker's FLEET_REQUESTS_PER_SECOND", '200')
    .option('--batch-size <n>', 'devices per batch', '1000')
    .option('--max-concurrent <n>', 'operations in flight per rollout, at most', '200')
    .option('--target-load-percent <p>', "the management service's load the adaptive limit keeps under", '90')
    .option('--limit-minutes <m>', 'wall time after which a run is measured as it stands', '9')
    .action((raw: Record<string, unknown>) => main(ThroughputOptions.parse(raw)));
  program.parseAsync(process.argv).catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  });
}
