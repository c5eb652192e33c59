import assert from 'node:assert/strict';
import { RolloutClient } from '../../src/client';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { waitFor } from '../helpers/processes';
import { localEnv, withWorker } from '../helpers/temporal';

/** A stage of `count` devices in batches of 10 whose first batch has `failing` devices that never update. */
async function withFailingFirstBatch(failing: number, body: (client: RolloutClient, rolloutId: string, fleet: MemoryFleet) => Promise<void>, count = 20) {
  const env = await localEnv();
  const devices = generateDevices({ count });
  const fleet = new MemoryFleet({ devices });
  devices.slice(0, failing).forEach((device) => fleet.failNextUpdates(device.id, 1, 'FLASH_WRITE_ERROR'));
  const plan = planFor('gate', {
    stages: [{ name: 'wave', devices: count, monitorWindow: '10 minutes' }],
    // Pipelining only once every device of batch 1 has settled, when its success rate is known to be
    // below the gate: batch 2 must then wait for batch 1's gate, which is what these tests are about.
    defaults: { batchSize: 10, batchGap: '10 minutes', batchTimeout: '2 hours', pipelineState: 'succeeded', pipelineFraction: 1 },
    retry: { maximumAttempts: 1 },
  });
  await withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue) => {
    const client = new RolloutClient(env.client, taskQueue);
    await client.start({ plan, speedup: 600 });
    await body(client, plan.rolloutId, fleet);
  });
}

const heldOrRolledBack = async (client: RolloutClient, rolloutId: string) => (await client.status(rolloutId)).decisions.length > 0;

describe('the batch gate (dev server)', () => {
  it('holds the stage below 80 % success and goes on when an operator resumes', async () => {
    await withFailingFirstBatch(3, async (client, rolloutId, fleet) => {
      await waitFor(() => heldOrRolledBack(client, rolloutId), 'the gate to decide');
      const held = await client.status(rolloutId);
      assert.equal(held.state, 'paused');
      assert.deepEqual(held.decisions.map(({ action, gate }) => [action, gate]), [['hold', 'batch 1']]);
      assert.match(held.decisions[0]!.reason, /success 70% < success threshold 80%/);
      await new Promise((resolve) => setTimeout(resolve, 2_000)); // two batch gaps at this speed-up
      assert.equal(fleet.acceptedCommands().size, 10, 'batch 2 has not started');

      await client.resume(rolloutId, { by: 'alice', reason: 'known flaky units' });
      const report = await client.result(rolloutId);
      assert.deepEqual(report.stages[0]!.counts, { pending: 0, succeeded: 17, failed: 3, deferred: 0, rolled_back: 0, excluded: 0 });
    });
  });

  it('rolls the batch back below 70 % success and pauses the rollout', async () => {
    await withFailingFirstBatch(4, async (client, rolloutId, fleet) => {
      await waitFor(() => heldOrRolledBack(client, rolloutId), 'the gate to decide');
      const status = await client.status(rolloutId);
      assert.equal(status.state, 'paused');
      assert.equal(status.decisions[0]!.action, 'roll_back');
      await waitFor(async () => (await client.status(rolloutId)).stages[0]!.counts.rolled_back === 6, 'the batch rollback to be counted');
      const batch1 = generateDevices({ count: 10 }).map((device) => fleet.device(device.id).firmwareVersion);
      assert.deepEqual(batch1, Array(10).fill('1.0.0'), 'every device of batch 1 is back on 1.0.0');
      assert.equal(fleet.acceptedCommands('rollback').size, 6);
      assert.equal(fleet.acceptedCommands().size, 10, 'batch 2 never started');
      await client.rollback(rolloutId, { by: 'alice', reason: 'stop here' });
      assert.equal((await client.result(rolloutId)).state, 'rolled_back');
    });
  });

  it('does not let a rolled-back last batch end the rollout as completed: it waits for an operator', async () => {
    await withFailingFirstBatch(
      4,
      async (client, rolloutId) => {
        await waitFor(() => heldOrRolledBack(client, rolloutId), 'the gate to decide');
        await new Promise((resolve) => setTimeout(resolve, 3_000)); // past the 10-minute monitoring window at this speed-up
        const waiting = await client.status(rolloutId);
        assert.equal(waiting.state, 'paused', 'still waiting for an operator');
        assert.equal(waiting.stages[0]!.state, 'held');
        await client.resume(rolloutId, { by: 'alice', reason: 'the failures are understood' });
        const report = await client.result(rolloutId);
        assert.equal(report.state, 'completed');
        assert.deepEqual(report.stages[0]!.counts, { pending: 0, succeeded: 0, failed: 4, deferred: 0, rolled_back: 6, excluded: 0 });
      },
      10,
    );
  });
});
