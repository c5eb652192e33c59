import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { RolloutClient } from '../../src/client';
import type { RolloutStatus } from '../../src/engine/model/status';
import type { Vitals } from '../../src/engine/ports/fleetProvider';
import { MemoryFleet, type MemoryFleetOptions } from '../../rig/fleet/memoryFleet';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { RefusingFleet } from '../helpers/refusingFleet';
import { waitFor } from '../helpers/processes';
import { localEnv, withWorker } from '../helpers/temporal';

const DEVICES = 6;
/** Each update ends at the fleet in about 1 s once its command is taken. */
const FLEET: MemoryFleetOptions = { devices: generateDevices({ count: DEVICES }), phases: { queued: 50, downloading: 300, downloaded: 50, installing: 300, rebooting: 300 } };
/** The plan's 30-minute batch timeout at 600× is 10 real seconds (its floor); the stalls below outlast it. */
const SPEEDUP = 600;
const PREFLIGHT_STALL_MS = 14_000;
/** Also more update activity attempts than the plan's 5. */
const REFUSING_MS = 20_000;

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

/** One batch of DEVICES on `fleet`, run until the rollout completes or pauses. */
async function runOneBatch(name: string, fleet: MemoryFleet): Promise<RolloutStatus> {
  const env = await localEnv();
  const ledger = await temporaryLedger();
  const plan = planFor(name, { stages: [{ name: 'wave', devices: DEVICES, monitorWindow: '1 minute' }], defaults: { batchSize: DEVICES, maxConcurrent: DEVICES, batchTimeout: '30 minutes' } });
  const status = await withWorker(env, () => ({ fleet, ledger }), async (taskQueue) => {
    const client = new RolloutClient(env.client, taskQueue);
    await client.start({ plan, speedup: SPEEDUP });
    await waitFor(async () => ['paused', 'completed'].includes((await client.status(plan.rolloutId)).state), 'the rollout to end or pause', 150_000);
    return client.status(plan.rolloutId);
  });
  await ledger.close();
  return status;
}

function assertCompletedWithoutDecisions(status: RolloutStatus): void {
  assert.deepEqual(status.decisions.map(({ action, reason }) => `${action}: ${reason}`), [], 'no gate held or rolled the batch back');
  assert.deepEqual([status.state, status.stages[0]!.counts], ['completed', { pending: 0, succeeded: DEVICES, failed: 0, deferred: 0, rolled_back: 0, excluded: 0 }]);
}

describe('the batch timeout does not count time its batch could not act (dev server)', () => {
  it('counts from the end of a preflight that waited past it: the batch completes', async () => {
    const fleet = new StallingPreflightFleet(FLEET);
    const status = await runOneBatch('timeout-after-preflight', fleet);
    assert.equal(fleet.stalled, true, 'the preflight stalled');
    assertCompletedWithoutDecisions(status);
  });

  it('does not judge devices never sent an update as late, and retries the attempt past the plan maximum: the batch completes', async () => {
    const fleet = new RefusingFleet(FLEET, REFUSING_MS);
    const status = await runOneBatch('unsent-not-late', fleet);
    assert.ok(fleet.refusedCommands > 5 * DEVICES, `the fleet refused ${fleet.refusedCommands} commands: more attempts than the plan's 5`);
    assertCompletedWithoutDecisions(status);
  });
});
