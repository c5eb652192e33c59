import assert from 'node:assert/strict';
import { RolloutClient } from '../../src/control/rolloutClient';
import { generateDevices } from '../../src/fleet/generateDevices';
import { MemoryFleet } from '../../src/fleet/memoryFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { waitFor } from '../helpers/processes';
import { localEnv, withWorker } from '../helpers/temporal';

const sentCommands = (fleet: MemoryFleet) => [...fleet.acceptedCommands().values()].reduce((sum, count) => sum + count, 0);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('operators steering a rollout with signals (dev server)', () => {
  it('pause stops new batches, resume goes on, rollback returns every updated device to its previous version', async () => {
    const env = await localEnv();
    const devices = generateDevices({ count: 25 });
    const fleet = new MemoryFleet({ devices, phases: { queued: 50, downloading: 200, downloaded: 50, installing: 100, rebooting: 100 } });
    const plan = planFor('signals', {
      stages: [
        { name: 'canary', devices: 5, monitorWindow: '10 minutes' },
        { name: 'wave', devices: 20, monitorWindow: '10 minutes' },
      ],
      defaults: { batchSize: 5, batchGap: '10 minutes' },
    });
    await withWorker(env, { fleet, ledger: temporaryLedger() }, async (taskQueue) => {
      const client = new RolloutClient(env.client, taskQueue);
      await client.start({ plan, speedup: 600, startedBy: 'release-bot' });
      const status = () => client.status(plan.rolloutId);

      await waitFor(async () => (await status()).stages[1]!.batchesDone >= 1, 'the first wave batch');
      await client.pause(plan.rolloutId, { by: 'alice', reason: 'crash reports' });
      assert.equal((await status()).state, 'paused');
      await pause(1_500); // lets the batch in flight finish
      const whilePaused = sentCommands(fleet);
      await pause(3_000); // three batch gaps at this speed-up
      assert.equal(sentCommands(fleet), whilePaused, 'no new batch starts while paused');
      assert.ok(whilePaused < 25, `sent ${whilePaused} before pausing`);

      await client.resume(plan.rolloutId, { by: 'alice', reason: 'false alarm' });
      await waitFor(() => sentCommands(fleet) > whilePaused, 'the rollout to go on after resume');
      await client.rollback(plan.rolloutId, { by: 'bob', reason: 'bad build' });
      const report = await client.result(plan.rolloutId);

      assert.equal(report.state, 'rolled_back');
      const final = await status();
      assert.equal(final.state, 'rolled_back');
      assert.deepEqual(final.audit.map(({ action, by }) => [action, by]), [['start', 'release-bot'], ['pause', 'alice'], ['resume', 'alice'], ['rollback', 'bob']]);
      assert.deepEqual(devices.filter((device) => fleet.device(device.id).firmwareVersion !== '1.0.0').map((device) => device.id), [], 'every device back on 1.0.0');
      assert.equal(fleet.acceptedCommands('rollback').size, sentCommands(fleet), 'one rollback per updated device');
    });
  });
});
