/**
 * `npm run histories:record`: runs representative rollouts on real Temporal servers and saves every
 * workflow run's history into test/histories/<scenario>/, for test/replay/replay.test.ts to replay.
 * Re-record after a deliberate change of workflow code (see the README, "Changing workflow code").
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { RolloutClient } from '../../src/client';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import { planSchemaFor, type AnyPlanInput } from '../../src/engine/model/planKind';
import { resolveRollout, type RolloutReport } from '../../src/engine/model/rollout';
import { rolloutWorkflow } from '../../src/engine/workflows';
import { operatorMessages } from '../../src/engine/workflows/messages';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import type { Device } from '../../src/engine/ports/fleetProvider';
import { CrashRateFleet, FlagCrashRateFleet } from '../helpers/clockFleet';
import { RefusingFleet } from '../helpers/refusingFleet';
import { serveTestArtifacts, stopTestArtifacts } from '../helpers/artifacts';
import { flagPlanFor, planFor, temporaryLedger } from '../helpers/fixtures';
import { fetchRuns, rolloutWorkflowIds } from '../helpers/histories';
import { waitFor } from '../helpers/processes';
import { historyToFile } from './historyFiles';
import { manyRollouts } from './manyRolloutsScenario';
import { budgetTurns } from './budgetTurnScenario';
import { localEnv, stopTestServers, timeSkippingEnv, withWorker } from '../helpers/temporal';

const historiesDir = path.resolve(__dirname, '../histories');

type Drive = (client: RolloutClient, rolloutId: string) => Promise<void>;

/** A rollout of its own plan on its own fleet: the recorder saves the workflows the plan runs. */
interface RolloutScenario {
  name: string;
  env: () => Promise<TestWorkflowEnvironment>;
  devices: number;
  /** A function: the firmware's URL is known once the artifact server runs. */
  plan: () => AnyPlanInput;
  speedup: number;
  /** What operators do while it runs; the rollout then runs to its end. */
  drive?: Drive;
  /** The fleet, when it is more than healthy gateways. */
  fleet?: (env: TestWorkflowEnvironment, devices: Device[]) => MemoryFleet;
}

/** Whatever `run` does; it returns the workflows to save. */
interface RunScenario {
  name: string;
  env: () => Promise<TestWorkflowEnvironment>;
  run: (env: TestWorkflowEnvironment) => Promise<string[]>;
}

type Scenario = RolloutScenario | RunScenario;

/** Firmware 2.0.0 crashes 10× as often on rev-b: the health watch rolls rev-b back and the rest goes on. */
const regressionOnRevB = (env: TestWorkflowEnvironment, devices: Device[]): MemoryFleet => {
  const fleet = new CrashRateFleet({ devices }, (device, version) => (version === '2.0.0' && device.attributes.hardwareRevision === 'rev-b' ? 2 : 0.2));
  fleet.serverClock = () => env.currentTimeMs();
  return fleet;
};

/** Switched on, the flag crashes rev-b 10× as often: the health watch restores rev-b's flag and the rest goes on. */
const flagRegressionOnRevB = (env: TestWorkflowEnvironment, devices: Device[]): MemoryFleet => {
  const fleet = new FlagCrashRateFleet({ devices }, 'new_sensor_algorithm', (device, on) => (on && device.attributes.hardwareRevision === 'rev-b' ? 2 : 0.2));
  fleet.serverClock = () => env.currentTimeMs();
  return fleet;
};

/** Refuses the canary's commands past its batch timeout (30 minutes at 600×: 10 real seconds), so the batch finds them not sent yet. */
const refusingAtFirst = (_env: TestWorkflowEnvironment, devices: Device[]): MemoryFleet => new RefusingFleet({ devices }, 15_000);

const pauseThenResume: Drive = async (client, rolloutId) => {
  await waitFor(async () => (await client.status(rolloutId)).stages[0]!.batchesDone >= 1, 'the first batch');
  await client.handle(rolloutId).signal(operatorMessages.pause.signal, { by: 'alice', reason: 'crash reports' });
  await waitFor(async () => (await client.status(rolloutId)).state === 'paused', 'the pause');
  await client.resume(rolloutId, { by: 'bob', reason: 'false alarm' });
};

/** The kill switch over 25 gateways with the flag on, 10 to a page and 2 pages a run: it continues as new once. */
async function killSwitch(env: TestWorkflowEnvironment): Promise<string[]> {
  const flag = 'new_sensor_algorithm';
  const fleet = new MemoryFleet({ devices: generateDevices({ count: 25 }).map((device) => ({ ...device, flags: { [flag]: true } })) });
  return withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue) => {
    const handle = await new RolloutClient(env.client, taskQueue).killSwitch({ flag, by: 'recorder', reason: 'crashes on rev-b', recheckInterval: '1 second', pageSize: 10, pagesPerRun: 2 });
    await handle.result();
    return [handle.workflowId];
  });
}

const scenarios: Scenario[] = [
  { name: 'seed-plan', env: timeSkippingEnv, devices: 200, plan: () => planFor('seed'), speedup: 1 },
  {
    name: 'pause-resume',
    env: localEnv,
    devices: 15,
    plan: () =>
      planFor('pause', { stages: [{ name: 'canary', devices: 5, monitorWindow: '10 minutes' }, { name: 'wave', devices: 10, monitorWindow: '10 minutes' }], defaults: { batchSize: 5, batchGap: '10 minutes' } }),
    speedup: 600,
    drive: pauseThenResume,
  },
  {
    name: 'cohort-regression',
    env: timeSkippingEnv,
    devices: 90,
    plan: () =>
      planFor('regression', {
        stages: [{ name: 'canary', devices: 6, monitorWindow: '1 hour' }, { name: 'pilot', devices: 24, monitorWindow: '2 hours' }, { name: 'rest', devices: 60, monitorWindow: '1 hour' }],
        defaults: { batchSize: 6 },
      }),
    speedup: 1,
    fleet: regressionOnRevB,
  },
  { name: 'many-rollouts', env: localEnv, run: manyRollouts },
  { name: 'kill-switch', env: localEnv, run: killSwitch },
  { name: 'budget-turns', env: localEnv, run: budgetTurns },
  {
    name: 'batch-timeouts',
    env: localEnv,
    devices: 12,
    plan: () => planFor('batch-timeouts', { stages: [{ name: 'canary', devices: 3, monitorWindow: '10 minutes' }, { name: 'wave', devices: 9, monitorWindow: '10 minutes' }], defaults: { batchSize: 3, batchGap: '10 minutes' } }),
    speedup: 600,
    fleet: refusingAtFirst,
  },
  {
    name: 'flag-regression',
    env: timeSkippingEnv,
    devices: 90,
    plan: () =>
      flagPlanFor('flag-regression', {
        stages: [{ name: 'canary', devices: 6, monitorWindow: '1 hour' }, { name: 'pilot', devices: 24, monitorWindow: '2 hours' }, { name: 'rest', devices: 60, monitorWindow: '1 hour' }],
        defaults: { batchSize: 6 },
      }),
    speedup: 1,
    fleet: flagRegressionOnRevB,
  },
];

/** Runs the scenario's plan; returns its workflows, and what to call its rollout's workflow in file names. */
async function runRollout({ devices, plan: planOf, speedup, drive, fleet: fleetOf }: RolloutScenario, env: TestWorkflowEnvironment): Promise<{ workflowIds: string[]; rename: [string, string] }> {
  const plan = planOf();
  const gateways = generateDevices({ count: devices });
  const fleet = fleetOf ? fleetOf(env, gateways) : new MemoryFleet({ devices: gateways });
  const report = await withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue): Promise<RolloutReport> => {
    // Started past RolloutClient.start, whose overlap check lists workflows: the time-skipping server cannot.
    const handle = await env.client.workflow.start(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [resolveRollout({ plan, speedup, startedBy: 'recorder' })] });
    await drive?.(new RolloutClient(env.client, taskQueue), plan.rolloutId);
    return handle.result();
  });
  return { workflowIds: rolloutWorkflowIds(planSchemaFor(plan).parse(plan), report), rename: [rolloutWorkflowId(plan.rolloutId), 'rollout'] };
}

async function record(scenario: Scenario): Promise<number> {
  const env = await scenario.env();
  const { workflowIds, rename } = 'run' in scenario ? { workflowIds: await scenario.run(env), rename: ['', ''] as [string, string] } : await runRollout(scenario, env);
  const dir = path.join(historiesDir, scenario.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let files = 0;
  for (const workflowId of workflowIds) {
    const runs = await fetchRuns(env.client, workflowId);
    runs.forEach((history, index) => {
      const file = `${workflowId.replace(...rename).replace(/[^A-Za-z0-9.-]/g, '_')}.run${index + 1}.json`;
      writeFileSync(path.join(dir, file), historyToFile(history));
      files += 1;
    });
  }
  return files;
}

/**
 * Records the scenarios named on the command line, or all of them. Recording one anew keeps the
 * others as they were: histories of released workflow code are what replay must keep accepting.
 */
async function main(): Promise<void> {
  const named = process.argv.slice(2);
  const unknown = named.filter((name) => !scenarios.some((scenario) => scenario.name === name));
  if (unknown.length > 0) throw new Error(`no scenario ${unknown.join(', ')}: choose from ${scenarios.map((scenario) => scenario.name).join(', ')}`);
  await serveTestArtifacts();
  try {
    for (const scenario of scenarios.filter(({ name }) => named.length === 0 || named.includes(name))) console.log(`${scenario.name}: ${await record(scenario)} histories`);
  } finally {
    await Promise.all([stopTestServers(), stopTestArtifacts()]);
  }
}

void main();
