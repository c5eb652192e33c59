import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RolloutClient } from '../../src/client';
import type { Vitals } from '../../src/engine/ports/fleetProvider';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { waitFor } from '../helpers/processes';
import { localEnv, withWorker } from '../helpers/temporal';

const DEVICES = 6;
/** Longer than the batch timeout below (30 minutes at 600×: its 10-second real floor). */
const PREFLIGHT_STALL_MS = 14_000;

/** A fleet whose first vitals read stalls, as a preflight does while its worker restarts or its ledger recovers. */
class StallingPreflightFleet extends MemoryFleet {
  stalled = false;

  override async vitals(deviceIds: string[]): Promise<Vitals[]> {
    if (!this.stalled) {
      this.stalled = true;
      await sleep(PREFLIGHT_STALL_MS);
    }
    return super.vitals(deviceIds);
  }
}

describe('the batch timeout after a preflight that waited past it (dev server)', () => {
  it('gives the devices the whole timeout from the end of preflight: the batch completes', async () => {
    const env = await localEnv();
    // Each update ends at the fleet in about 1 s, well inside the timeout once commands go out.
    const fleet = new StallingPreflightFleet({ devices: generateDevices({ count: DEVICES }), phases: { queued: 50, downloading: 300, downloaded: 50, installing: 300, rebooting: 300 } });
    const ledger = await temporaryLedger();
    const plan = planFor('timeout-after-preflight', {
      stages: [{ name: 'wave', devices: DEVICES, monitorWindow: '1 minute' }],
      defaults: { batchSize: DEVICES, maxConcurrent: DEVICES, batchTimeout: '30 minutes' },
    });
    const status = await withWorker(env, () => ({ fleet, ledger }), async (taskQueue) => {
      const client = new RolloutClient(env.client, taskQueue);
      await client.start({ plan, speedup: 600 });
      await waitFor(async () => ['paused', 'completed'].includes((await client.status(plan.rolloutId)).state), 'the rollout to end or pause', 120_000);
      return client.status(plan.rolloutId);
    });
    assert.equal(fleet.stalled, true, 'the preflight stalled');
    assert.deepEqual(status.decisions.map(({ action, reason }) => `${action}: ${reason}`), [], 'no gate held or rolled the batch back');
    assert.deepEqual([status.state, status.stages[0]!.counts], ['completed', { pending: 0, succeeded: DEVICES, failed: 0, deferred: 0, rolled_back: 0, excluded: 0 }]);
    await ledger.close();
  });
});
