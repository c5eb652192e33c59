import assert from 'node:assert/strict';
import type { PlanInput } from '../../src/contracts/plan';
import { RolloutClient } from '../../src/control/rolloutClient';
import { generateDevices } from '../../src/fleet/generateDevices';
import { MemoryFleet } from '../../src/fleet/memoryFleet';
import type { Operation, UpdateCommand } from '../../src/fleet/provider';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { localEnv, withWorker } from '../helpers/temporal';

/** Notes, whenever an update command arrives, how many operations are already in flight. */
class InFlightRecordingFleet extends MemoryFleet {
  readonly inFlightAtCommand: { deviceId: string; inFlight: number }[] = [];

  override async startUpdates(commands: UpdateCommand[]): Promise<Operation[]> {
    const operations = await super.startUpdates(commands);
    for (const command of commands) this.inFlightAtCommand.push({ deviceId: command.deviceId, inFlight: this.operationsInFlight() });
    return operations;
  }
}

// Downloads finish after 0.3 s, the install after 2 s more: long past the 1 s gap at this speed-up.
const PHASES = { queued: 50, downloading: 250, downloaded: 500, installing: 1000, rebooting: 500 };

async function rollOut(defaults: PlanInput['defaults']): Promise<InFlightRecordingFleet> {
  const env = await localEnv();
  const fleet = new InFlightRecordingFleet({ devices: generateDevices({ count: 50 }), phases: PHASES });
  const plan = planFor('pipeline', { stages: [{ name: 'wave', devices: 50, monitorWindow: '20 minutes' }], defaults });
  await withWorker(env, { fleet, ledger: temporaryLedger() }, async (taskQueue) => {
    const client = new RolloutClient(env.client, taskQueue);
    await client.start({ plan, speedup: 1200 });
    const report = await client.result(plan.rolloutId);
    assert.equal(report.stages[0]?.counts.succeeded, 50);
  });
  return fleet;
}

const firstCommandOfBatch2 = (fleet: InFlightRecordingFleet) => fleet.inFlightAtCommand.find(({ deviceId }) => deviceId === 'gw-00026')!;

describe('pipelined batches (dev server)', () => {
  it('starts the next batch once 80 % of the current one is downloaded, before it has finished', async () => {
    const fleet = await rollOut({ batchSize: 25, maxConcurrent: 60, batchGap: '20 minutes', pipelineFraction: 0.8 });
    const { inFlight } = firstCommandOfBatch2(fleet);
    assert.ok(inFlight > 1, `batch 2 started with ${inFlight - 1} operations of batch 1 still in flight`);
  });

  it('never has more than maxConcurrent operations in flight, even when batches overlap', async () => {
    const fleet = await rollOut({ batchSize: 25, maxConcurrent: 30, batchGap: '20 minutes', pipelineFraction: 0.8 });
    const peak = Math.max(...fleet.inFlightAtCommand.map(({ inFlight }) => inFlight));
    assert.ok(peak <= 30, `peak of ${peak} operations in flight`);
    assert.ok(firstCommandOfBatch2(fleet).inFlight > 1, 'the batches still overlap a little');
  });
});
