import assert from 'node:assert/strict';
import { RolloutClient } from '../../src/client';
import { planFor, slowlyUpdatingFleet, temporaryLedger } from '../helpers/fixtures';
import { waitFor } from '../helpers/processes';
import { localEnv, runWorker, uniqueTaskQueue } from '../helpers/temporal';

const DEVICES = 10;

describe('the batch gate at a timeout that passed while no worker ran (dev server)', () => {
  it('counts devices the fleet reports succeeded as succeeded, rolls none back, and keeps one outcome per device', async () => {
    const env = await localEnv();
    const fleet = slowlyUpdatingFleet(DEVICES);
    const ledger = await temporaryLedger();
    const taskQueue = uniqueTaskQueue('fresh-status');
    const client = new RolloutClient(env.client, taskQueue);
    // 2 hours at 600× is a 12 s batch timeout; every update ends at the fleet in about 2 s.
    const plan = planFor('fresh-status', {
      stages: [{ name: 'wave', devices: DEVICES, monitorWindow: '10 minutes' }],
      defaults: { batchSize: DEVICES, batchTimeout: '2 hours' },
    });

    let firstCommandAt = 0;
    await runWorker(env, { fleet, ledger }, taskQueue, async () => {
      await client.start({ plan, speedup: 600 });
      await waitFor(() => fleet.acceptedCommands().size > 0, 'the first update command');
      firstCommandAt = Date.now();
      await waitFor(() => fleet.acceptedCommands().size === DEVICES, 'every device to be sent its update');
    });
    // No worker runs while the devices finish and the batch's timer fires.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstCommandAt + 15_000 - Date.now())));
    assert.deepEqual(fleet.devicesInFlight(), [], 'every update ended at the fleet during the outage');

    const status = await runWorker(env, { fleet, ledger }, taskQueue, async () => {
      await waitFor(async () => ['paused', 'completed'].includes((await client.status(plan.rolloutId)).state), 'the gate to decide and the rollout to end or pause', 120_000);
      return client.status(plan.rolloutId);
    });
    assert.deepEqual(status.decisions.map(({ action, reason }) => `${action}: ${reason}`), [], 'no gate held or rolled the batch back');
    assert.equal(status.state, 'completed');
    assert.equal(status.stages[0]!.counts.succeeded, DEVICES);
    assert.equal(fleet.acceptedCommands('rollback').size, 0, 'no device was rolled back');

    const operations = await fleet.latestOperations({ correlationId: plan.rolloutId, deviceIds: [...fleet.acceptedCommands().keys()] });
    const outcomes = await ledger.outcomes(plan.rolloutId);
    assert.equal(new Set(outcomes.map((outcome) => outcome.deviceId)).size, outcomes.length, 'one outcome per device');
    assert.deepEqual(
      outcomes.map(({ deviceId, state, operationId }) => ({ deviceId, state, operationId })).sort((a, b) => a.deviceId.localeCompare(b.deviceId)),
      operations.map(({ deviceId, operationId }) => ({ deviceId, state: 'succeeded', operationId })).sort((a, b) => a.deviceId.localeCompare(b.deviceId)),
      "each device's outcome is its one update operation's",
    );
    assert.deepEqual([...fleet.acceptedCommands().values()], Array(DEVICES).fill(1), 'one update generation per device');
    await ledger.close();
  });
});
