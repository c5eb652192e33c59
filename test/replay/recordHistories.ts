/**
 * `npm run histories:record`: runs representative rollouts on real Temporal servers and saves every
 * workflow run's history into test/histories/<scenario>/, for test/replay/replay.test.ts to replay.
 * Re-record after a deliberate change of workflow code (see the README, "Changing workflow code").
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { RolloutClient } from '../../src/client';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import { Plan, type PlanInput } from '../../src/engine/model/plan';
import type { RolloutReport } from '../../src/engine/model/rollout';
import { operatorMessages } from '../../src/engine/workflows/messages';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { fetchRuns, rolloutWorkflowIds } from '../helpers/histories';
import { waitFor } from '../helpers/processes';
import { localEnv, stopTestServers, timeSkippingEnv, withWorker } from '../helpers/temporal';

const historiesDir = path.resolve(__dirname, '../histories');

type Drive = (client: RolloutClient, rolloutId: string) => Promise<void>;

interface Scenario {
  name: string;
  env: () => Promise<TestWorkflowEnvironment>;
  devices: number;
  plan: PlanInput;
  speedup: number;
  /** What operators do while it runs; the rollout then runs to its end. */
  drive?: Drive;
}

const pauseThenResume: Drive = async (client, rolloutId) => {
  await waitFor(async () => (await client.status(rolloutId)).stages[0]!.batchesDone >= 1, 'the first batch');
  await client.handle(rolloutId).signal(operatorMessages.pause.signal, { by: 'alice', reason: 'crash reports' });
  await waitFor(async () => (await client.status(rolloutId)).state === 'paused', 'the pause');
  await client.resume(rolloutId, { by: 'bob', reason: 'false alarm' });
};

const scenarios: Scenario[] = [
  { name: 'seed-plan', env: timeSkippingEnv, devices: 200, plan: planFor('seed'), speedup: 1 },
  {
    name: 'pause-resume',
    env: localEnv,
    devices: 15,
    plan: planFor('pause', { stages: [{ name: 'canary', devices: 5, monitorWindow: '10 minutes' }, { name: 'wave', devices: 10, monitorWindow: '10 minutes' }], defaults: { batchSize: 5, batchGap: '10 minutes' } }),
    speedup: 600,
    drive: pauseThenResume,
  },
];

async function record({ name, env: environment, devices, plan, speedup, drive }: Scenario): Promise<number> {
  const env = await environment();
  const fleet = new MemoryFleet({ devices: generateDevices({ count: devices }) });
  const report = await withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue): Promise<RolloutReport> => {
    const client = new RolloutClient(env.client, taskQueue);
    const handle = await client.start({ plan, speedup, startedBy: 'recorder' });
    await drive?.(client, plan.rolloutId);
    return handle.result();
  });
  const dir = path.join(historiesDir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let files = 0;
  for (const workflowId of rolloutWorkflowIds(Plan.parse(plan), report)) {
    const runs = await fetchRuns(env.client, workflowId);
    runs.forEach((history, index) => {
      const file = `${workflowId.replace(rolloutWorkflowId(plan.rolloutId), 'rollout').replaceAll(':', '_')}.run${index + 1}.json`;
      writeFileSync(path.join(dir, file), historyToJSON(temporal.api.history.v1.History.create(history)));
      files += 1;
    });
  }
  return files;
}

async function main(): Promise<void> {
  try {
    for (const scenario of scenarios) console.log(`${scenario.name}: ${await record(scenario)} histories`);
  } finally {
    await stopTestServers();
  }
}

void main();
