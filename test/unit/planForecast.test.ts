import assert from 'node:assert/strict';
import { runCli } from '../../src/cli/main';
import { Plan } from '../../src/engine/model/plan';
import { summarizePlan, type StageSummary } from '../../src/client/planSummary';
import { readFirmwarePlanFile } from '../../src/client/planFile';
import { forecastPlan } from '../../src/engine/model/planForecast';
import { stageSizes } from '../../src/engine/model/planMath';
import { planFor } from '../helpers/fixtures';

/** Runs `rollout …` in this process and returns what it printed and its exit code. */
async function rolloutCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const printed = { stdout: [] as unknown[], stderr: [] as unknown[] };
  const { log, error } = console;
  console.log = (...line: unknown[]) => printed.stdout.push(...line);
  console.error = (...line: unknown[]) => printed.stderr.push(...line);
  try {
    const code = await runCli(['node', 'rollout', ...args]);
    return { code, stdout: printed.stdout.join('\n'), stderr: printed.stderr.join('\n') };
  } finally {
    Object.assign(console, { log, error });
  }
}

describe('plan forecast (`rollout plan`)', () => {
  it('lays out the seed plan: stages back to back with every gap, batch timeout and monitoring window', () => {
    const plan = Plan.parse(planFor('seed'));
    const forecast = forecastPlan(plan, stageSizes(plan, 200).map((size) => size.devices));
    const minutes = (hours: number) => Math.round(hours * 60);
    // canary: 30-min batch timeout + 1 h; pilot: 30 min + 2 h; wave1: 20-min gap + 30 min + 3 h; wave2: 4 gaps + 30 min + 6 h.
    assert.deepEqual(forecast.map(({ stage, batches, startsAtHours, endsAtHours }) => [stage, batches, minutes(startsAtHours), minutes(endsAtHours)]), [
      ['canary', 1, 0, 90],
      ['pilot', 1, 90, 240],
      ['wave1', 2, 240, 470],
      ['wave2', 5, 470, 940],
    ]);
  });

  it("gives the 250,000-thermostat example from percent stages: 0.5 % → 5 % → 25 % → 100 %, stage 2 expecting 2.5 crashes in a day", async () => {
    // 002: 0.02 % of devices crash per day; stage 2 has 12,500 thermostats on the new firmware for 24 hours; 3× pauses.
    const run = await rolloutCli('plan', 'plans/thermostats-250k.yml', '--fleet-size', '250000', '--json');
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as StageSummary[];
    assert.deepEqual(summary.map((stage) => [stage.takes, stage.devices, stage.cumulativeDevices]), [
      ['0.5 % of the fleet, cumulative', 1_250, 1_250],
      ['5 % of the fleet, cumulative', 11_250, 12_500],
      ['25 % of the fleet, cumulative', 50_000, 62_500],
      ['100 % of the fleet, cumulative', 187_500, 250_000],
    ]);
    assert.equal(summary[1]?.expectedCrashes, 2.5);
    // The crash test's power: each stage detects a smaller regression than the one before, a tenth of the fleet a larger one than all of it.
    const ratio = (text: string | undefined) => (text?.startsWith('×') ? Number(text.slice(1)) : Infinity);
    const fleetWide = summary.map((stage) => ratio(stage.detectsFleetWide));
    assert.deepEqual([...fleetWide].sort((a, b) => b - a), fleetWide);
    assert.ok(summary.every((stage) => ratio(stage.detectsTenthCohort) >= ratio(stage.detectsFleetWide)));
    assert.ok(fleetWide[3]! <= 2, `the last stage detects ×${fleetWide[3]} fleet-wide`);
  });

  it('says by which stage a 4x regression on a third of the fleet is halted, and how long the stage before would have to watch to halt it there', async () => {
    const run = await rolloutCli('plan', 'plans/percent.yml', '--fleet-size', '1000', '--baseline-rate', '0.01');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /a ×4 crash-rate regression on a third of the fleet is halted in 80 % of rollouts by the end of wave2 \(median exposure at halt: \d+ % of the fleet\)/);
    const needed = /to halt it by the end of wave1 instead, wave1's monitoring window would need (\d+) h \(it has 3 h\)/.exec(run.stdout);
    assert.ok(needed && Number(needed[1]) > 3, run.stdout);
  });

  it('asks for the fleet size when the plan has percent stages, and names the option', async () => {
    const run = await rolloutCli('plan', 'plans/thermostats-250k.yml');
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--fleet-size: the plan has percent stages: pass the number of eligible devices/);
  });

  it('shows cohort stages as selected at start, and a percent stage after them by its cumulative share', async () => {
    const plan = await readFirmwarePlanFile('plans/rings.yml');
    assert.deepEqual(new Set(summarizePlan(plan, { fleetSize: 1000 }).map((stage) => stage.devices)), new Set(['selected at start']));
    const mixed = summarizePlan(planFor('mixed', { stages: [{ name: 'insiders', select: { ring: 'internal' } }, { name: 'rest', percent: 100 }] }), { fleetSize: 1000 });
    assert.deepEqual(mixed.map((stage) => [stage.devices, stage.cumulativeDevices]), [
      ['selected at start', 0],
      [1000, 1000],
    ]);
  });

  it('takes count stages as written when no fleet size is given', () => {
    assert.deepEqual(summarizePlan(planFor('seed')).map((stage) => stage.devices), [5, 20, 50, 125]);
  });
});
