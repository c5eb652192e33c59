import assert from 'node:assert/strict';
import { RolloutClient } from '../../src/client';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { waitFor } from '../helpers/processes';
import { localEnv, withWorker } from '../helpers/temporal';

describe('operators during the catch-up phase (dev server)', () => {
  it('shows the phase, pauses and resumes it, and an abort ends it', async () => {
    const env = await localEnv();
    const devices = generateDevices({ count: 5 });
    const fleet = new MemoryFleet({ devices });
    fleet.setOnline(devices[0]!.id, false);
    const plan = planFor('catch-up-ops', {
      stages: [{ name: 'all', devices: 5, monitorWindow: '10 minutes' }],
      catchUp: { rolloutWindow: '7 days', recheckInterval: '1 hour' },
    });
    await withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue) => {
      const client = new RolloutClient(env.client, taskQueue);
      // An hour between re-checks is a second of real time.
      await client.start({ plan, speedup: 3600 });
      const { rolloutId } = plan;
      const status = () => client.status(rolloutId);
      await waitFor(async () => ((await status()).catchUp?.round ?? 0) >= 1, 'the catch-up phase to select its first round');
      const catchingUp = await status();
      assert.equal(catchingUp.currentStage, 'catch-up');
      assert.equal(catchingUp.state, 'running');
      assert.equal(catchingUp.catchUp?.devices, 1);

      assert.equal((await client.pause(rolloutId, { by: 'alice', reason: 'look at the offline one' })).state, 'paused');
      const roundWhenPaused = (await status()).catchUp!.round;
      await new Promise((resolve) => setTimeout(resolve, 3_000)); // three re-check intervals at this speed-up
      assert.equal((await status()).catchUp!.round, roundWhenPaused, 'no round while paused');
      await client.resume(rolloutId, { by: 'alice' });
      await waitFor(async () => (await status()).catchUp!.round > roundWhenPaused, 'the next round after the resume');

      await client.abort(rolloutId, { by: 'alice', reason: 'it will not come back' });
      const report = await client.result(rolloutId);
      assert.equal(report.state, 'aborted');
      assert.equal(report.missed, undefined, 'an aborted rollout reports no catch-up');
      assert.equal((await status()).catchUp?.state, 'aborted');
      assert.equal(fleet.acceptedCommands().has(devices[0]!.id), false);
    });
  });
});
