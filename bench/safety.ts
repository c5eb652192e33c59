import os from 'node:os';
import { Command } from 'commander';
import { z } from 'zod';
import { EvidencePolicy } from '../src/engine/model/health/cohortEvidence';
import { Plan } from '../src/engine/model/plan';
import { stageSizes } from '../src/engine/model/planMath';
import { seededRandom } from '../src/engine/model/seededRandom';
import { readFirmwarePlanFile } from '../src/client/planFile';
import { simulateRollout, type Fleet, type Halt, type SafetyCase } from './safetySimulation';

const SafetyOptions = z.object({
  runs: z.coerce.number().int().min(1),
  devices: z.coerce.number().int().min(10),
  plan: z.string(),
  baselineRate: z.coerce.number().positive(),
  seed: z.coerce.number().int().nonnegative(),
  holdback: z.coerce.number().min(0).lt(1),
});
type SafetyOptions = z.infer<typeof SafetyOptions>;

const THIRDS = [1 / 3, 1 / 3, 1 / 3];
const TENTH = [0.1, 0.45, 0.45];

/** The issue's cases: good firmware, 2×/4×/10× on a tenth and on a third of the fleet, fleet-wide 2×, and good firmware through a fleet-wide surge. */
const CASES: SafetyCase[] = [
  { name: 'good firmware', cohortShares: THIRDS, ratios: [1, 1, 1], fixedBaseline: true },
  ...[2, 4, 10].flatMap((ratio) => [
    { name: `${ratio}× on a 10 % cohort`, cohortShares: TENTH, ratios: [ratio, 1, 1] },
    { name: `${ratio}× on a 33 % cohort`, cohortShares: THIRDS, ratios: [ratio, 1, 1] },
  ]),
  { name: '2× fleet-wide', cohortShares: THIRDS, ratios: [2, 2, 2] },
  { name: 'good firmware, fleet-wide rate ×2 for 6 h mid-rollout', cohortShares: THIRDS, ratios: [1, 1, 1], surge: { fromHours: 8, toHours: 14, factor: 2 }, fixedBaseline: true },
  { name: 'good firmware, fleet-wide rate ×2 for 6 h late in wave2', cohortShares: THIRDS, ratios: [1, 1, 1], surge: { fromHours: 18, toHours: 24, factor: 2 }, fixedBaseline: true },
];

/** `npm run bench:safety`: the crash decisions, old and new, on the same simulated rollouts; a Markdown table for docs/BENCHMARKS.md. */
async function main(options: SafetyOptions): Promise<void> {
  const plan = Plan.parse(await readFirmwarePlanFile(options.plan));
  const fleet: Fleet = {
    plan,
    stageDevices: stageSizes(plan, options.devices).map((size) => size.devices),
    baselineRatePerDeviceHour: options.baselineRate,
    evidence: EvidencePolicy.parse({}),
    stepHours: 0.25,
    holdback: options.holdback,
  };
  const started = Date.now();
  const rows = CASES.map((safetyCase) => {
    const random = seededRandom(options.seed);
    const outcomes = Array.from({ length: options.runs }, () => simulateRollout(fleet, safetyCase, random));
    const fixedBaseline = outcomes.flatMap((outcome) => (outcome.fixedBaseline ? [outcome.fixedBaseline] : []));
    return [
      row(safetyCase, 'sequential, per cohort vs control', outcomes.map((outcome) => outcome.sequential)),
      ...(fixedBaseline.length > 0 ? [row(safetyCase, 'sequential, per cohort vs fixed baseline (no control)', fixedBaseline)] : []),
      row(safetyCase, 'per window vs baseline (before)', outcomes.map((outcome) => outcome.perWindow)),
    ];
  }).flat();
  console.log(
    [
      `| case | engine | halted | device-hours at halt (median / p95) | fleet exposed at halt (median / p95) | selective |`,
      `|---|---|--:|--:|--:|--:|`,
      ...rows,
    ].join('\n'),
  );
  const cpu = os.cpus()[0]?.model ?? 'cpu';
  console.log(`\n${new Date().toISOString()} · ${os.cpus().length} × ${cpu} · node ${process.version} · ${options.runs} rollouts per case of ${options.devices} devices, plan ${options.plan}, baseline ${options.baselineRate} crashes/device-hour, seed ${options.seed}${options.holdback > 0 ? `, ${options.holdback * 100} % of every cohort held back as a control` : ''} · ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function row(safetyCase: SafetyCase, engine: string, halts: Halt[]): string {
  const halted = halts.filter((halt) => halt.at !== undefined);
  const hours = quantiles(halted.map((halt) => halt.deviceHours));
  const exposure = quantiles(halted.map((halt) => halt.exposure));
  const selective = halted.length === 0 ? '–' : percent(halted.filter((halt) => halt.selective).length / halted.length);
  return `| ${safetyCase.name} | ${engine} | ${percent(halted.length / halts.length)} (${halted.length}/${halts.length}) | ${hours.map((value) => Math.round(value)).join(' / ') || '–'} | ${exposure.map(percent).join(' / ') || '–'} | ${selective} |`;
}

function quantiles(values: number[]): number[] {
  if (values.length === 0) return [];
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return [at(0.5), at(0.95)];
}

const percent = (share: number): string => `${(share * 100).toFixed(1)} %`;

if (require.main === module) {
  const program = new Command('bench:safety')
    .description('the crash decisions on simulated rollouts: false halts, detection, exposure at halt, selectivity; old and new engine on the same draws')
    .option('--runs <count>', 'simulated rollouts per case', '2000')
    .option('--devices <count>', 'eligible gateways', '1000')
    .option('--plan <file>', 'the plan whose timeline is simulated', 'plans/percent.yml')
    .option('--baseline-rate <crashes>', "the fleet's crashes per device-hour (the simulator's)", '0.01')
    .option('--seed <n>', 'seed of the draws', '1')
    .option('--holdback <share>', 'what if the plan held this share of every cohort back on the old firmware, a control to the end', '0')
    .action((raw: Record<string, string>) => main(SafetyOptions.parse(raw)));
  program.parseAsync(process.argv).catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  });
}
