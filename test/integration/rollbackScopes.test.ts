import assert from 'node:assert/strict';
import type { DeviceCounts } from '../../src/engine/model/status';
import { RolloutClient } from '../../src/client';
import type { Device } from '../../src/engine/ports/fleetProvider';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { waitFor } from '../helpers/processes';
import { localEnv, withWorker } from '../helpers/temporal';

interface Rollout {
  client: RolloutClient;
  rolloutId: string;
  fleet: MemoryFleet;
  devices: Device[];
  /** The devices the ledger put in `stage`. */
  stageDevices: (stage: string) => Promise<string[]>;
}

/** 30 gateways in canary (5), pilot (10) and wave (15), batches of 5 a second apart at this speed-up. */
async function withRollout(name: string, body: (rollout: Rollout) => Promise<void>): Promise<void> {
  const env = await localEnv();
  const devices = generateDevices({ count: 30 });
  const fleet = new MemoryFleet({ devices });
  const ledger = await temporaryLedger();
  const plan = planFor(name, {
    stages: [
      { name: 'canary', devices: 5, monitorWindow: '10 minutes' },
      { name: 'pilot', devices: 10, monitorWindow: '10 minutes' },
      { name: 'wave', devices: 15, monitorWindow: '10 minutes' },
    ],
    defaults: { batchSize: 5, batchGap: '10 minutes' },
  });
  await withWorker(env, { fleet, ledger }, async (taskQueue) => {
    const client = new RolloutClient(env.client, taskQueue);
    await client.start({ plan, speedup: 600 });
    const stageDevices = async (stage: string) => [...(await ledger.targets(plan.rolloutId))].filter(([, target]) => target.stage === stage).map(([id]) => id);
    await body({ client, rolloutId: plan.rolloutId, fleet, devices, stageDevices });
  });
}

const versionOf = (fleet: MemoryFleet, ids: readonly string[]) => ids.map((id) => fleet.device(id).firmwareVersion);
const total = (counts: DeviceCounts) => Object.values(counts).reduce((sum, count) => sum + count, 0);
const pilotBatchDone = async ({ client, rolloutId }: Rollout) => (await client.status(rolloutId)).stages[1]!.batchesDone >= 1;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('rollback scopes an operator asks for (dev server)', () => {
  it('batch: returns the latest batch, pauses, and the rollout goes on when resumed', async () => {
    await withRollout('scope-batch', async (rollout) => {
      const { client, rolloutId, fleet } = rollout;
      await waitFor(() => pilotBatchDone(rollout), 'the first pilot batch');
      await client.rollback(rolloutId, { by: 'alice', reason: 'reboot loop on one batch', scope: 'batch' });
      await waitFor(async () => (await client.status(rolloutId)).decisions.some((decision) => decision.action === 'roll_back'), 'the batch rollback');
      const paused = await client.status(rolloutId);
      assert.equal(paused.state, 'paused');
      assert.match(paused.decisions.at(-1)!.gate, /^batch \d$/);
      assert.match(paused.decisions.at(-1)!.reason, /alice: reboot loop on one batch/);
      await waitFor(() => fleet.acceptedCommands('rollback').size === 5, 'five rollbacks: one batch');

      await client.resume(rolloutId, { by: 'alice', reason: 'batch investigated' });
      const report = await client.result(rolloutId);
      assert.equal(report.state, 'completed');
      assert.equal(report.stages[1]!.counts.rolled_back, 5);
      assert.equal(fleet.acceptedCommands('rollback').size, 5, 'nothing else was rolled back');
      for (const stage of report.stages) assert.equal(total(stage.counts), stage.devices, `${stage.stage} counts add up`);
      assert.deepEqual(versionOf(fleet, await rollout.stageDevices('wave')), Array(15).fill('2.0.0'));
    });
  });

  it('stage: returns every device of the running stage, keeps earlier stages, and goes on with the next stage when resumed', async () => {
    await withRollout('scope-stage', async (rollout) => {
      const { client, rolloutId, fleet } = rollout;
      await waitFor(() => pilotBatchDone(rollout), 'the first pilot batch');
      await client.rollback(rolloutId, { by: 'bob', reason: 'pilot sites report overheating', scope: 'stage' });
      await waitFor(async () => (await client.status(rolloutId)).stages[1]!.state === 'rolled_back', 'the pilot to be rolled back');
      assert.equal((await client.status(rolloutId)).state, 'paused');
      assert.deepEqual(versionOf(fleet, await rollout.stageDevices('pilot')), Array(10).fill('1.0.0'));
      assert.deepEqual(versionOf(fleet, await rollout.stageDevices('canary')), Array(5).fill('2.0.0'));
      await pause(2_000); // two batch gaps at this speed-up
      assert.deepEqual(versionOf(fleet, await rollout.stageDevices('wave')), Array(15).fill('1.0.0'), 'the wave waits for an operator');

      await client.resume(rolloutId, { by: 'bob', reason: 'pilot sites fixed' });
      const report = await client.result(rolloutId);
      assert.equal(report.state, 'completed');
      assert.deepEqual(versionOf(fleet, await rollout.stageDevices('wave')), Array(15).fill('2.0.0'));
      assert.deepEqual(versionOf(fleet, await rollout.stageDevices('pilot')), Array(10).fill('1.0.0'));
    });
  });

  it('cohort: returns the cohort everywhere, never updates the rest of it, and updates everyone else', async () => {
    await withRollout('scope-cohort', async (rollout) => {
      const { client, rolloutId, fleet, devices } = rollout;
      await waitFor(() => pilotBatchDone(rollout), 'the first pilot batch');
      await client.rollback(rolloutId, { by: 'carol', reason: 'rev-b crash reports in eu-west', scope: { cohort: { region: 'eu-west' } } });
      await waitFor(async () => (await client.status(rolloutId)).decisions.some((decision) => /cohort/.test(decision.reason)), 'the cohort rollback');
      assert.equal((await client.status(rolloutId)).state, 'paused');

      await client.resume(rolloutId, { by: 'carol', reason: 'the rest of the fleet is fine' });
      const report = await client.result(rolloutId);
      assert.equal(report.state, 'completed');
      const inCohort = devices.filter((device) => device.attributes.region === 'eu-west').map((device) => device.id);
      const others = devices.filter((device) => device.attributes.region !== 'eu-west').map((device) => device.id);
      assert.ok(inCohort.length > 0 && others.length > 0);
      assert.deepEqual(versionOf(fleet, inCohort), Array(inCohort.length).fill('1.0.0'));
      assert.deepEqual(versionOf(fleet, others), Array(others.length).fill('2.0.0'));
      const updatedInCohort = inCohort.filter((id) => fleet.acceptedCommands().has(id));
      assert.ok(updatedInCohort.length < inCohort.length, 'the cohort devices not yet reached were never sent an update');
      assert.deepEqual([...fleet.acceptedCommands('rollback').keys()].sort(), updatedInCohort.sort());
      for (const stage of report.stages) assert.equal(total(stage.counts), stage.devices, `${stage.stage} counts add up`);
    });
  });
});
