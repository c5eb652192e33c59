import assert from 'node:assert/strict';
import type { PlanInput } from '../../src/engine/model/plan';
import { RolloutClient } from '../../src/client';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { InFlightRecordingFleet } from '../helpers/inFlightFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { localEnv, withWorker } from '../helpers/temporal';

const inBatch1 = (deviceId: string) => deviceId <= 'gw-00025';

// Downloads finish after 0.3 s, the update 3.5 s later: long past the 1 s gap at this speed-up.
const PHASES = { queued: 50, downloading: 250, downloaded: 500, installing: 2500, rebooting: 500 };

async function rollOut(defaults: PlanInput['defaults']): Promise<InFlightRecordingFleet> {
  const env = await localEnv();
  const fleet = new InFlightRecordingFleet({ devices: generateDevices({ count: 50 }), phases: PHASES });
  const plan = planFor('pipeline', { stages: [{ name: 'wave', devices: 50, monitorWindow: '20 minutes' }], defaults: { batchTimeout: '2 hours', ...defaults } });
  await withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue) => {
    const client = new RolloutClient(env.client, taskQueue);
    await client.start({ plan, speedup: 1200 });
    const report = await client.result(plan.rolloutId);
    assert.equal(report.stages[0]?.counts.succeeded, 50);
  });
  return fleet;
}

/** Batch 1's operations still in flight when batch 2 sent its first command. */
const batch1InFlightAtBatch2Start = (fleet: InFlightRecordingFleet): number =>
  fleet.inFlightAtCommand.find(({ deviceId }) => !inBatch1(deviceId))!.inFlight.filter(inBatch1).length;

describe('pipelined batches (dev server)', () => {
  it('starts the next batch once 80 % of the current one is downloaded, before it has finished', async () => {
    const fleet = await rollOut({ batchSize: 25, maxConcurrent: 60, batchGap: '20 minutes', pipelineFraction: 0.8 });
    const overlap = batch1InFlightAtBatch2Start(fleet);
    assert.ok(overlap > 0, `batch 2 started with ${overlap} operations of batch 1 still in flight`);
  });

  it('never has more than maxConcurrent operations in flight, even when batches overlap', async () => {
    const fleet = await rollOut({ batchSize: 25, maxConcurrent: 30, batchGap: '20 minutes', pipelineFraction: 0.8 });
    const peak = Math.max(...fleet.inFlightAtCommand.map(({ inFlight }) => inFlight.length));
    assert.ok(peak <= 30, `peak of ${peak} operations in flight`);
  });
});
