import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import { operatorMessages } from '../../src/engine/workflows/messages';
import { RolloutClient } from '../../src/client';
import { ensureTemporalCli } from '../../rig/devenv/temporalBinaries';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { waitFor } from '../helpers/processes';
import { localEnv, withWorker } from '../helpers/temporal';

const sentCommands = (fleet: MemoryFleet) => [...fleet.acceptedCommands().values()].reduce((sum, count) => sum + count, 0);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('operators steering a rollout with signals, as the Web UI and the Temporal CLI send them (dev server)', () => {
  it('pause stops new batches, a refused signal is only recorded, resume goes on, rollback of all returns every updated device', async () => {
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
    await withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue) => {
      const client = new RolloutClient(env.client, taskQueue);
      const handle = await client.start({ plan, speedup: 600, startedBy: 'release-bot' });
      const status = () => client.status(plan.rolloutId);

      await waitFor(async () => (await status()).stages[1]!.batchesDone >= 1, 'the first wave batch');
      await handle.signal(operatorMessages.pause.signal, { by: 'alice', reason: 'crash reports' });
      await waitFor(async () => (await status()).state === 'paused', 'the rollout to pause');
      await pause(1_500); // lets the batch in flight finish
      const whilePaused = sentCommands(fleet);
      await pause(3_000); // three batch gaps at this speed-up
      assert.equal(sentCommands(fleet), whilePaused, 'no new batch starts while paused');
      assert.ok(whilePaused < 25, `sent ${whilePaused} before pausing`);

      await handle.signal(operatorMessages.resume.signal, { reason: 'forgot to say who I am' } as never);
      await waitFor(async () => (await status()).audit.length === 3, 'the refused resume in the audit trail');
      assert.equal((await status()).state, 'paused', 'a refused signal changes nothing');

      await signalWithTemporalCli(env.address, plan.rolloutId, operatorMessages.resume.name, { by: 'carol', reason: 'false alarm' });
      await waitFor(() => sentCommands(fleet) > whilePaused, 'the rollout to go on after resume');
      await handle.signal(operatorMessages.rollback.signal, { by: 'bob', reason: 'bad build', scope: 'all' });
      const report = await client.result(plan.rolloutId);

      assert.equal(report.state, 'rolled_back');
      const final = await status();
      assert.equal(final.state, 'rolled_back');
      assert.deepEqual(
        final.audit.map(({ action, by, via, rejected }) => [action, by, via, rejected?.replace(/:.*/, '')]),
        [
          ['start', 'release-bot', 'start', undefined],
          ['pause', 'alice', 'signal', undefined],
          ['resume', 'unknown', 'signal', 'invalid resume input'],
          ['resume', 'carol', 'signal', undefined],
          ['rollback', 'bob', 'signal', undefined],
        ],
      );
      assert.equal(final.audit[4]!.scope, 'all');
      assert.deepEqual(devices.filter((device) => fleet.device(device.id).firmwareVersion !== '1.0.0').map((device) => device.id), [], 'every device back on 1.0.0');
      assert.equal(fleet.acceptedCommands('rollback').size, sentCommands(fleet), 'one rollback per updated device');
      const sum = (state: 'succeeded' | 'rolled_back') => report.stages.reduce((total, stage) => total + stage.counts[state], 0);
      assert.deepEqual([sum('succeeded'), sum('rolled_back')], [0, fleet.acceptedCommands('rollback').size], 'the counts show the rollback');
    });
  });
});

async function signalWithTemporalCli(address: string, rolloutId: string, name: string, input: object): Promise<void> {
  const temporal = await ensureTemporalCli();
  const args = ['workflow', 'signal', '--address', address, '--workflow-id', rolloutWorkflowId(rolloutId), '--name', name, '--input', JSON.stringify(input)];
  await promisify(execFile)(temporal, args);
}
