import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { z } from 'zod';
import { signatureVerifier } from '../src/adapters/artifacts/verify';
import { TemporalFleetBudget } from '../src/adapters/budget/temporalBudget';
import { HttpFleet } from '../src/adapters/fleet/httpFleet';
import { RolloutClient } from '../src/client';
import { Priority, type BudgetView } from '../src/engine/model/budget';
import { fleetBudgetWorkflowId } from '../src/engine/model/ids';
import type { PlanInput } from '../src/engine/model/plan';
import { isFinished } from '../src/engine/model/status';
import { createRolloutWorker } from '../src/worker';
import { serveSignedFirmware, type SignedFirmware } from '../rig/artifacts/signedFirmware';
import { RealtimeClock } from '../rig/simulator/clock';
import { serveSimulator } from '../rig/simulator/serveSimulator';
import { SimulatedFleet } from '../rig/simulator/simulatedFleet';
import { SimulatorClient } from '../rig/simulator/simulatorClient';
import { benchLedger } from '../test/helpers/fixtures';
import { startBenchTemporal } from './beforeAfter';
import type { BenchTemporal } from './stagedRollout';

const SAMPLE_MS = 200;
const HOUR = 3_600_000;

const BenchOptions = z.object({
  devices: z.coerce.number().int().min(4),
  limits: z.string().transform((list) => list.split(',').map((limit) => z.coerce.number().int().positive().parse(limit))),
  secondPriority: Priority,
  speedup: z.coerce.number().min(1),
  seed: z.coerce.number().int().nonnegative(),
});
type BenchOptions = z.infer<typeof BenchOptions>;

/** What one run saw, sampled at the simulator and at the budget workflow every SAMPLE_MS. */
interface BudgetRun {
  fleetLimit: number;
  peakInFlight: number;
  peakCpuPercent: number;
  peakLeased: number;
  /** The lowest and highest adaptive limit the budget heard from the worker. */
  serviceLimits: [number, number] | undefined;
  /** Samples in which both rollouts held leases. */
  sharedSamples: number;
  samples: number;
  /** Plan hours until each rollout finished, and how many devices it updated. */
  rollouts: { rolloutId: string; priority: Priority; finishedAtHours: number; succeeded: number }[];
}

/**
 * Two rollouts at once on one simulated fleet through one fleet budget: the first takes half the
 * fleet, the second (started once the first has claimed its devices) the rest. Both go as fast as
 * their plans allow (`maxConcurrent` 30 each), so without the budget and the adaptive limit they
 * would have 60 operations in flight at the service.
 */
async function runBoth(options: BenchOptions, fleetLimit: number, firmware: SignedFirmware, temporal: BenchTemporal): Promise<BudgetRun> {
  const clock = new RealtimeClock(options.speedup, 1000);
  const served = await serveSimulator({ fleet: new SimulatedFleet({ devices: options.devices, seed: options.seed, profile: 'clean' }, clock) });
  const sim = new SimulatorClient(served.url);
  const taskQueue = `bench-budget-${fleetLimit}-${Date.now()}`;
  const fleet = new HttpFleet({ baseUrl: served.url, rateLimit: { requestsPerSecond: 200 } });
  const budget = new TemporalFleetBudget(temporal.client, { fleet: taskQueue, taskQueue, limit: fleetLimit, leaseTtlMs: 30_000, admission: fleet.admission });
  const ledger = await benchLedger();
  try {
    const worker = await createRolloutWorker({ ...temporal, taskQueue, fleet, ledger, budget, artifacts: signatureVerifier(firmware.trustedKeys) });
    return await worker.runUntil(async () => {
      const client = new RolloutClient(temporal.client, taskQueue);
      const plans = [plan('first', { devices: options.devices / 2 }, 'normal', firmware), plan('second', { percent: 100 }, options.secondPriority, firmware)];
      clock.start();
      await client.start({ plan: plans[0]!, speedup: options.speedup, startedBy: 'bench' });
      while ((await client.status(plans[0]!.rolloutId)).state === 'starting') await sleep(SAMPLE_MS);
      await client.start({ plan: plans[1]!, speedup: options.speedup, startedBy: 'bench' });
      const run = await sampleUntilBothFinish(client, plans, sim, fleetLimit);
      await temporal.client.workflow.getHandle(fleetBudgetWorkflowId(taskQueue)).terminate('benchmark over');
      return run;
    });
  } finally {
    clock.stop();
    await served.close();
    await ledger.close();
  }
}

function plan(name: string, take: { devices: number } | { percent: number }, priority: Priority, firmware: SignedFirmware): PlanInput & { rolloutId: string } {
  return {
    rolloutId: `budget-${name}-${Date.now()}`,
    firmware: firmware.firmware,
    priority,
    stages: [{ name: 'all', ...take, monitorWindow: '30 minutes' }],
    // Groups of 5 devices: a group leases its devices' operations whole, so groups are kept well under the fleet limit.
    defaults: { batchSize: 50, maxConcurrent: 30, queueDepthLimit: 5, batchGap: '5 minutes' },
  };
}

async function sampleUntilBothFinish(
  client: RolloutClient,
  plans: (PlanInput & { rolloutId: string })[],
  sim: SimulatorClient,
  fleetLimit: number,
): Promise<BudgetRun> {
  const run: BudgetRun = { fleetLimit, peakInFlight: 0, peakCpuPercent: 0, peakLeased: 0, serviceLimits: undefined, sharedSamples: 0, samples: 0, rollouts: [] };
  while (run.rollouts.length < plans.length) {
    const [{ management, clock }, view] = await Promise.all([sim.metrics(), client.budgetIfRunning()]);
    if (view) record(run, view);
    run.peakInFlight = Math.max(run.peakInFlight, management.peakOperationsInFlight);
    run.peakCpuPercent = Math.max(run.peakCpuPercent, management.peakCpuPercent);
    for (const { rolloutId, priority = 'normal' } of plans) {
      if (run.rollouts.some((done) => done.rolloutId === rolloutId)) continue;
      const status = await client.status(rolloutId);
      if (isFinished(status.state)) run.rollouts.push({ rolloutId, priority, finishedAtHours: clock.planTimeMs / HOUR, succeeded: status.devices.succeeded });
    }
    await sleep(SAMPLE_MS);
  }
  const order = plans.map((each) => each.rolloutId);
  run.rollouts.sort((a, b) => order.indexOf(a.rolloutId) - order.indexOf(b.rolloutId));
  return run;
}

function record(run: BudgetRun, view: BudgetView): void {
  run.samples += 1;
  run.peakLeased = Math.max(run.peakLeased, view.inFlight);
  if (view.rollouts.filter((row) => row.leased > 0).length > 1) run.sharedSamples += 1;
  if (view.service) run.serviceLimits = [Math.min(run.serviceLimits?.[0] ?? Infinity, view.service.limit), Math.max(run.serviceLimits?.[1] ?? 0, view.service.limit)];
}

function table(runs: BudgetRun[]): string {
  const rows = runs.map((run) => {
    const [first, second] = run.rollouts;
    const finished = (rollout: BudgetRun['rollouts'][number] | undefined) => (rollout ? `${rollout.finishedAtHours.toFixed(1)} h (${rollout.succeeded} updated, ${rollout.priority})` : '—');
    const service = run.serviceLimits ? `${run.serviceLimits[0]}–${run.serviceLimits[1]}` : 'none reported';
    const shared = `${((100 * run.sharedSamples) / Math.max(1, run.samples)).toFixed(0)} %`;
    return `| ${run.fleetLimit} | ${service} | ${run.peakLeased} | ${run.peakInFlight} | ${run.peakCpuPercent.toFixed(0)} % | ${shared} | ${finished(first)} | ${finished(second)} |`;
  });
  return [
    '| fleet limit | adaptive limit heard | peak leased | peak in flight at the service | peak mgmt CPU | samples with both leasing | first rollout done | second rollout done |',
    '|---:|---:|---:|---:|---:|---:|---|---|',
    ...rows,
  ].join('\n');
}

async function main(options: BenchOptions): Promise<void> {
  const firmware = await serveSignedFirmware('2.0.0', 1024 * 1024, 'bench');
  const temporal = await startBenchTemporal();
  const runs: BudgetRun[] = [];
  try {
    for (const limit of options.limits) {
      runs.push(await runBoth(options, limit, firmware, temporal));
      console.error(`fleet limit ${limit}: done`);
    }
  } finally {
    await temporal.stop();
    await firmware.close();
  }
  console.log(table(runs));
  console.log(`\n${new Date().toISOString()} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'} · node ${process.version} · ${options.devices} gateways, profile clean, seed ${options.seed}, speed-up ${options.speedup}`);
}

if (require.main === module) {
  const program = new Command('bench:fleet-budget')
    .description('two rollouts at once on one simulated fleet, sharing one fleet budget: what reaches the service')
    .option('--devices <count>', 'gateways, half for each rollout', '400')
    .option('--limits <list>', 'comma-separated fleet limits, one run each', '12,100')
    .option('--second-priority <priority>', 'priority of the second rollout: high, normal or low', 'high')
    .option('--speedup <factor>', 'plan time per real time', '600')
    .option('--seed <n>', 'simulator seed', '1')
    .action((raw: Record<string, string | undefined>) => main(BenchOptions.parse(raw)));
  program.parseAsync(process.argv).catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exitCode = 1;
  });
}
