import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { z } from 'zod';
import { isFinished, type DeviceCounts } from '../src/engine/model/status';
import { PROFILE_NAMES } from '../rig/simulator/profiles';
import { uniform, stream } from '../rig/simulator/random';
import { Campaign } from './campaign/campaign';
import { campaignPlan } from './campaign/campaignPlan';
import { chaosEvents, type ChaosEvent } from './campaign/chaosEvents';
import { historyTotals, type HistoryTotals } from './campaign/historyTotals';
import { machineLine, mib, rssTimeline } from './campaign/reporting';
import type { Verdict } from './campaign/verdict';

const ChaosOptions = z.object({
  devices: z.coerce.number().int().min(10).max(100_000),
  seed: z.coerce.number().int().nonnegative(),
  speedup: z.coerce.number().min(1),
  profile: z.enum(PROFILE_NAMES),
  workerKills: z.coerce.number().int().nonnegative(),
  serverRestarts: z.coerce.number().int().nonnegative(),
  ledgerRestarts: z.coerce.number().int().nonnegative(),
  serverErrors: z.coerce.number().min(0).max(1),
  hangs: z.coerce.number().min(0).max(1),
  hangMs: z.coerce.number().int().nonnegative(),
  throttleEverySeconds: z.coerce.number().positive(),
  throttleForSeconds: z.coerce.number().nonnegative(),
  retryAfterSeconds: z.coerce.number().int().min(1),
  upSeconds: z.string().transform((range, context) => {
    const [low, high] = range.split('-').map(Number);
    if (low === undefined || high === undefined || !(low > 0 && high >= low)) {
      context.addIssue({ code: 'custom', message: `write a range of seconds like 4-10, not ${range}` });
      return z.NEVER;
    }
    return { low, high };
  }),
  requestsPerSecond: z.coerce.number().positive(),
  batchSize: z.coerce.number().int().min(1),
  batchTimeout: z.string().min(1),
  limitMinutes: z.coerce.number().positive(),
  ledgerUrl: z.string().optional(),
});
type ChaosOptions = z.infer<typeof ChaosOptions>;

/**
 * `npm run bench:chaos`: one rollout through worker kills, Temporal server restarts, ledger
 * restarts and a fault proxy all at once, judged device by device on the simulator's ground truth.
 */
async function main(options: ChaosOptions): Promise<void> {
  const throttle = options.throttleForSeconds > 0 ? { everyMs: options.throttleEverySeconds * 1000, lengthMs: options.throttleForSeconds * 1000, retryAfterSeconds: options.retryAfterSeconds } : undefined;
  const campaign = await Campaign.start({
    devices: options.devices,
    seed: options.seed,
    speedup: options.speedup,
    stepMs: 1000,
    profile: options.profile,
    faults: { serverErrorShare: options.serverErrors, hangShare: options.hangs, hangMs: options.hangMs, seed: options.seed, ...(throttle ? { throttleBursts: throttle } : {}) },
    requestsPerSecond: options.requestsPerSecond,
    ...(options.ledgerUrl ? { ledgerUrl: options.ledgerUrl } : {}),
    imageBytes: 1024 * 1024,
    firmwareVersion: '2.0.0',
    rssSampleMs: 1000,
  });
  const rolloutId = `chaos-${options.devices}-${Date.now()}`;
  const startedAt = performance.now();
  const log = (message: string) => console.error(`[${((performance.now() - startedAt) / 1000).toFixed(0)} s] ${message}`);
  try {
    await campaign.startWorker();
    await campaign.startRollout(
      campaignPlan({ rolloutId, firmware: campaign.firmware.firmware, batchSize: options.batchSize, maxConcurrent: options.batchSize, batchGap: '5 minutes', monitorWindow: '30 minutes', batchTimeout: options.batchTimeout, stagePercents: [1, 6, 31, 100] }),
    );
    const random = stream(options.seed, 'chaos-schedule');
    const done: ChaosEvent[] = [];
    for (const event of chaosEvents(options)) {
      await sleep(uniform(random, options.upSeconds.low, options.upSeconds.high) * 1000);
      const status = await campaign.status(rolloutId);
      if (status && isFinished(status.state)) break;
      log(`${event.kind}${'signal' in event ? ` (${event.signal})` : ''}; rollout ${status?.state ?? '?'}, ${status?.devices.succeeded ?? '?'} succeeded`);
      await apply(campaign, event);
      done.push(event);
    }
    log('faults over; waiting for the rollout to end');
    const status = await campaign.waitUntilFinished(rolloutId, options.limitMinutes * 60_000 - (performance.now() - startedAt));
    const wallMs = performance.now() - startedAt;
    if (!status) throw new Error('the rollout never answered a status query');
    const verdict = await campaign.verdict(rolloutId, status);
    const histories = await historyTotals(await campaign.temporalClient, campaign.taskQueue);
    const state = status.pendingDecision ? `${status.state}: ${status.pendingDecision.reason}` : status.state;
    const markdown = renderChaos({ options, done, state, counts: status.devices, verdict, histories, wallMs, campaign });
    const file = path.join(__dirname, 'results', `chaos-${options.devices}-${new Date().toISOString().slice(0, 16).replace(/:/g, '')}.md`);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, markdown);
    console.log(markdown);
    console.error(`written to ${path.relative(process.cwd(), file)}; campaign folder ${campaign.workdir}`);
    const clean = verdict.duplicates.length + verdict.lost.length + verdict.mismatches.length + verdict.countMismatches.length + histories.workflowTasksFailed === 0;
    if (!clean || status.state !== 'completed') process.exitCode = 3;
  } finally {
    await campaign.stop();
  }
}

async function apply(campaign: Campaign, event: ChaosEvent): Promise<void> {
  if (event.kind === 'worker kill') {
    await campaign.killWorker();
    await campaign.startWorker();
  } else if (event.kind === 'server restart') {
    await campaign.restartServer(event.signal);
  } else {
    await campaign.restartLedger();
  }
}

interface ChaosResult {
  options: ChaosOptions;
  done: ChaosEvent[];
  state: string;
  counts: DeviceCounts;
  verdict: Verdict;
  histories: HistoryTotals;
  wallMs: number;
  campaign: Campaign;
}

function renderChaos({ options, done, state, counts, verdict, histories, wallMs, campaign }: ChaosResult): string {
  const count = (kind: ChaosEvent['kind'], signal?: string) => done.filter((event) => event.kind === kind && (!signal || ('signal' in event && event.signal === signal))).length;
  const faults = campaign.proxy!.counts;
  const requests = faults.forwarded + faults.serverErrorsBefore + faults.serverErrorsAfter + faults.throttled;
  const examples = (devices: string[]) => (devices.length === 0 ? '0' : `**${devices.length}** (${devices.slice(0, 5).join(', ')})`);
  const { samples } = campaign.sampler;
  const rows: [string, string][] = [
    ['gateways (profile)', `${options.devices} (${options.profile}), speed-up ${options.speedup}, batches of ${options.batchSize}`],
    ['worker kills (SIGKILL)', `${count('worker kill')} of ${options.workerKills}; ${campaign.workerStarts} worker starts`],
    ['Temporal server restarts', `${count('server restart')} of ${options.serverRestarts} (${count('server restart', 'SIGKILL')} SIGKILL, ${count('server restart', 'SIGTERM')} SIGTERM)`],
    ['ledger restarts', options.ledgerUrl ? `${count('ledger restart')} of ${options.ledgerRestarts} (PostgreSQL, pg_ctl -m immediate)` : 'PGlite in the worker (restarts with it)'],
    ['management requests through the proxy', `${requests}: ${faults.serverErrorsBefore} 5xx before and ${faults.serverErrorsAfter} after the service acted, ${faults.hangs} held ${options.hangMs / 1000} s, ${faults.throttled} 429s in bursts of ${options.throttleForSeconds} s every ${options.throttleEverySeconds} s`],
    ['rollout', `${state} in ${(wallMs / 1000).toFixed(0)} s; counts ${Object.entries(counts).filter(([, n]) => n > 0).map(([name, n]) => `${name} ${n}`).join(', ')}`],
    ['on 2.0.0 (simulator)', `${verdict.updated} of ${verdict.targets} targets`],
    ['duplicate update commands', examples(verdict.duplicates)],
    ['lost devices', examples(verdict.lost)],
    ['devices whose account contradicts the simulator', examples(verdict.mismatches)],
    ['count mismatches', verdict.countMismatches.length === 0 ? '0' : verdict.countMismatches.map((line) => `**${line}**`).join('; ')],
    ['workflow tasks failed', histories.workflowTasksFailed === 0 ? '0' : `**${histories.workflowTasksFailed}**`],
    ['workflow tasks redone / timed out', `${histories.workflowTasksRedone} redone (new events during the task) / ${histories.workflowTasksTimedOut} timed out (killed worker) of ${histories.workflowTasksCompleted} completed; ${histories.runs} runs of ${histories.workflows} workflows`],
    ['worker RSS', `peak ${mib(campaign.sampler.peakRssBytes)}, ${samples.length} samples; ${rssTimeline(samples, 60_000)}`],
  ];
  return [
    `## Chaos campaign, ${options.devices} gateways`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([name, value]) => `| ${name} | ${value} |`),
    '',
    `${machineLine()} · \`npm run bench:chaos -- ${process.argv.slice(2).join(' ')}\``,
    '',
  ].join('\n');
}

if (require.main === module) {
  const program = new Command('bench:chaos')
    .description('one rollout through worker kills, server restarts and a fault proxy, judged on the simulator')
    .option('--devices <count>', 'gateways', '1000')
    .option('--seed <n>', 'simulator and fault seed', '1')
    .option('--speedup <factor>', 'plan time per real time, for the workflow and the simulator', '300')
    .option('--profile <name>', `simulator failure profile: ${PROFILE_NAMES.join(', ')}`, 'clean')
    .option('--worker-kills <n>', 'SIGKILLs of the worker', '20')
    .option('--server-restarts <n>', 'Temporal server restarts, SIGKILL and SIGTERM alternating', '5')
    .option('--ledger-restarts <n>', 'PostgreSQL restarts (needs --ledger-url and .ci/with-postgres)', '0')
    .option('--server-errors <share>', 'share of management requests answered 5xx', '0.1')
    .option('--hangs <share>', 'share of management requests held', '0.05')
    .option('--hang-ms <ms>', 'how long a held request is held', '15000')
    .option('--throttle-every-seconds <s>', 'a burst of 429s this often', '30')
    .option('--throttle-for-seconds <s>', 'how long each burst lasts (0: none)', '2')
    .option('--retry-after-seconds <s>', "the bursts' Retry-After", '1')
    .option('--up-seconds <range>', 'a fault strikes after this many seconds of calm, drawn from the range', '3-8')
    .option('--requests-per-second <n>', "the worker's FLEET_REQUESTS_PER_SECOND", '50')
    .option('--batch-size <n>', 'devices per batch (and in flight)', '50')
    // The speed-up shrinks plan time, not a restart's real seconds: at 300x the default 30 minutes is
    // 10 real seconds (its floor), shorter than one worker restart. 6 hours (72 s real) keeps an
    // outage at a few percent of a batch's time, still far harsher than 5 s against 30 minutes.
    .option('--batch-timeout <duration>', 'plan time a batch has before its gate judges it', '6 hours')
    .option('--limit-minutes <m>', 'wall time after which the run is judged as it stands', '9')
    .option('--ledger-url <url>', 'a PostgreSQL ledger for the worker (default: $LEDGER_TEST_URL, else PGlite)', process.env.LEDGER_TEST_URL)
    .action((raw: Record<string, unknown>) => main(ChaosOptions.parse(raw)));
  program.parseAsync(process.argv).catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  });
}
