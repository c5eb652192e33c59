import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { z } from 'zod';
import { readFirmwarePlanFile } from '../src/client/planFile';
import { forecastRegression, type RegressionForecast } from '../src/client/planSummary';
import { RolloutClient } from '../src/client';
import { signatureVerifier } from '../src/adapters/artifacts/verify';
import { HttpFleet } from '../src/adapters/fleet/httpFleet';
import { Plan } from '../src/engine/model/plan';
import { isFinished, type RolloutStatus } from '../src/engine/model/status';
import { createRolloutWorker } from '../src/worker';
import { serveSignedFirmware } from '../rig/artifacts/signedFirmware';
import { RealtimeClock } from '../rig/simulator/clock';
import { PROFILES } from '../rig/simulator/profiles';
import { serveSimulator } from '../rig/simulator/serveSimulator';
import { SimulatedFleet } from '../rig/simulator/simulatedFleet';
import { benchLedger } from '../test/helpers/fixtures';
import { startBenchTemporal } from './beforeAfter';
import type { BenchTemporal } from './stagedRollout';

const STATUS_POLL_MS = 250;
const MIB = 1024 * 1024;

const Options = z.object({
  seeds: z.string().transform((list) => list.split(',').map((seed) => z.coerce.number().int().nonnegative().parse(seed))),
  devices: z.coerce.number().int().min(10),
  plan: z.string(),
  multiplier: z.coerce.number().min(1),
  badShare: z.coerce.number().gt(0).lt(1),
  speedup: z.coerce.number().min(1),
  through: z.boolean().default(false),
  limitHours: z.coerce.number().positive(),
});
type Options = z.infer<typeof Options>;

interface RunReport {
  seed: number;
  state: string;
  /** The first crash decision: its stage, the fleet share on the new firmware just before it, and the cohorts quarantined. */
  haltStage?: string;
  /** Plan hours from the start to the decision (real time × speed-up: a second of start-up latency is `speedup` seconds). */
  haltHours?: number;
  exposure?: number;
  cohortsRolledBack: string[];
  fleetWideQuarantine: boolean;
  badOnNewFirmware: number;
  othersOnNewFirmware: number;
  wallSeconds: number;
}

/**
 * `npm run bench:safety:e2e`: the product end to end on the simulator through a Temporal dev server,
 * with firmware crashing `multiplier`× as often on rev-b (`badShare` of the fleet), or as often as
 * the old with `--multiplier 1`. A run stops at its first crash decision, or with `--through` when
 * the rollout ends.
 */
async function main(options: Options): Promise<void> {
  const planInput = await readFirmwarePlanFile(options.plan);
  const firmware = await serveSignedFirmware(Plan.parse(planInput).firmware.version, MIB, 'bench');
  const temporal = await startBenchTemporal();
  const reports: RunReport[] = [];
  try {
    for (const seed of options.seeds) {
      const report = await runOnce(options, seed, { ...planInput, firmware: firmware.firmware }, firmware.trustedKeys, temporal);
      console.error(JSON.stringify(report));
      reports.push(report);
    }
  } finally {
    await temporal.stop();
    await firmware.close();
  }
  const forecast = options.multiplier > 1 ? forecastRegression(planInput, { fleetSize: options.devices, cohorts: 3, baselineRatePerDeviceHour: 0.01 }, options.multiplier, options.badShare) : undefined;
  console.log(table(reports, options, forecast));
}

async function runOnce(options: Options, seed: number, planInput: Awaited<ReturnType<typeof readFirmwarePlanFile>>, trustedKeys: Parameters<typeof signatureVerifier>[0], temporal: BenchTemporal): Promise<RunReport> {
  const started = Date.now();
  const clock = new RealtimeClock(options.speedup, 1000);
  const rest = (1 - options.badShare) / 2;
  const profile = { ...PROFILES.field, hardwareMix: { 'rev-a': rest, 'rev-b': options.badShare, 'rev-c': rest }, ...(options.multiplier > 1 && { badFirmware: { hardwareRevision: 'rev-b', crashMultiplier: options.multiplier } }) };
  const fleet = new SimulatedFleet({ devices: options.devices, seed, profile }, clock);
  const served = await serveSimulator({ fleet });
  const ledger = await benchLedger();
  const taskQueue = `safety-${seed}-${Date.now()}`;
  const client = new RolloutClient(temporal.client, taskQueue);
  try {
    const worker = await createRolloutWorker({
      connection: temporal.connection,
      namespace: temporal.namespace,
      taskQueue,
      fleet: new HttpFleet({ baseUrl: served.url, rateLimit: { requestsPerSecond: 200 } }),
      ledger,
      artifacts: signatureVerifier(trustedKeys),
    });
    return await worker.runUntil(async () => {
      const plan = { ...planInput, rolloutId: `safety-${seed}-${Date.now()}` };
      clock.start();
      const startedAt = Date.now();
      await client.start({ plan, speedup: options.speedup, startedBy: 'bench' });
      const watched = await watch(client, plan.rolloutId, options, startedAt);
      if (!isFinished(watched.status.state)) await client.handle(plan.rolloutId).terminate('safety benchmark: run over');
      const quarantined = await ledger.quarantined();
      const devices = (await fleet.inventory({ limit: options.devices })).devices;
      const onNew = (bad: boolean) => devices.filter((device) => (device.attributes.hardwareRevision === 'rev-b') === bad && device.firmwareVersion === plan.firmware!.version).length;
      return {
        seed,
        state: watched.status.state,
        ...watched.halt,
        cohortsRolledBack: quarantined.flatMap((record) => (record.cohort ? [record.cohort.value] : [])),
        fleetWideQuarantine: quarantined.some((record) => !record.cohort),
        badOnNewFirmware: onNew(true),
        othersOnNewFirmware: onNew(false),
        wallSeconds: Math.round((Date.now() - started) / 1000),
      };
    });
  } finally {
    clock.stop();
    await served.close();
    await ledger.close();
  }
}

/** Follows the rollout: the fleet share on the new firmware just before its first crash decision, and where it ends. */
async function watch(client: RolloutClient, rolloutId: string, options: Options, startedAt: number) {
  let exposedBefore = 0;
  let halt: { haltStage: string; haltHours: number; exposure: number } | undefined;
  for (;;) {
    const status: RolloutStatus = await client.status(rolloutId);
    const decision = status.decisions.find((candidate) => candidate.gate === 'health');
    if (decision && !halt) halt = { haltStage: decision.stage, haltHours: ((Date.parse(decision.at) - startedAt) * options.speedup) / 3_600_000, exposure: exposedBefore / options.devices };
    if (!decision) exposedBefore = status.devices.succeeded;
    const over = isFinished(status.state) || (halt && !options.through) || (Date.now() - startedAt) * options.speedup > options.limitHours * 3_600_000;
    if (over) return { status, ...(halt && { halt }) };
    await sleep(STATUS_POLL_MS);
  }
}

function table(reports: RunReport[], options: Options, forecast: RegressionForecast | undefined): string {
  const percent = (share: number | undefined) => (share === undefined ? '–' : `${Math.round(share * 100)} %`);
  const rows = reports.map(
    (report) =>
      `| ${report.seed} | ${report.state} | ${report.haltStage ?? '–'} | ${report.haltHours === undefined ? '–' : `${report.haltHours.toFixed(1)} h`} | ${percent(report.exposure)} | ${report.cohortsRolledBack.join(', ') || '–'}${report.fleetWideQuarantine ? ' (all)' : ''} | ${report.badOnNewFirmware} | ${report.othersOnNewFirmware} | ${report.wallSeconds} s |`,
  );
  const halted = reports.filter((report) => report.haltStage !== undefined);
  const exposures = halted.map((report) => report.exposure!).sort((a, b) => a - b);
  const median = exposures[Math.floor((exposures.length - 1) / 2)];
  return [
    `| seed | state | first crash decision in | at plan hour | fleet on new firmware before it | cohorts quarantined | rev-b on new firmware at the end | others on new firmware at the end | wall |`,
    '|--:|---|---|--:|--:|---|--:|--:|--:|',
    ...rows,
    '',
    forecast
      ? `${halted.length}/${reports.length} halted; median exposure at halt ${percent(median)}; calculator (${options.multiplier}× on ${percent(options.badShare)} of the fleet, 3 cohorts, 0.01 crashes/device-hour): 80 % power by the end of ${forecast.firstStage ?? 'no stage'}, median exposure at halt ${percent(forecast.medianExposure)}`
      : `good firmware: ${halted.length}/${reports.length} halted, each a false halt`,
    `${new Date().toISOString()} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'} · node ${process.version} · ${options.devices} gateways, plan ${options.plan}, speed-up ${options.speedup}, profile field${options.multiplier > 1 ? ` + rev-b ×${options.multiplier}` : ''}, rev-b share ${options.badShare}`,
  ].join('\n');
}

if (require.main === module) {
  const program = new Command('bench:safety:e2e')
    .description('crash decisions end to end: the simulator over HTTP, a dev server, the real worker')
    .option('--seeds <list>', 'comma-separated seeds', '1,2,3,4,5,6,7,8,9,10')
    .option('--devices <count>', 'gateways', '1000')
    .option('--plan <file>', 'the plan', 'plans/percent.yml')
    .option('--multiplier <ratio>', "rev-b's crash-rate ratio on the new firmware (1: as good as the old)", '4')
    .option('--bad-share <share>', 'share of the fleet on rev-b', '0.3333')
    .option('--speedup <factor>', 'plan time per real time', '600')
    .option('--through', 'follow each rollout to its end instead of stopping at its first crash decision')
    .option('--limit-hours <hours>', 'plan hours after which a run is stopped', '60')
    .action((raw: Record<string, unknown>) => main(Options.parse(raw)));
  program.parseAsync(process.argv).catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  });
}
