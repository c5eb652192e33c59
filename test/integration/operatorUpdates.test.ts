import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { FailureType } from '../../src/engine/model/failures';
import { operatorMessages } from '../../src/engine/workflows/messages';
import type { RolloutStatus } from '../../src/engine/model/status';
import { InvalidInputError } from '../../src/engine/model/validation';
import { RequestRejectedError } from '../../src/client/errors';
import { RolloutClient } from '../../src/client';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { waitFor } from '../helpers/processes';
import { localEnv, withWorker } from '../helpers/temporal';

const phases = { queued: 20, downloading: 100, downloaded: 20, installing: 50, rebooting: 50 };
const refusedWith = (pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof RequestRejectedError, String(error));
  assert.match(error.reason, pattern);
  return true;
};

describe('release tooling steering a rollout with updates (dev server)', () => {
  it('acknowledges what it does, refuses what it cannot, and waits for approval before a manual stage', async () => {
    const env = await localEnv();
    const fleet = new MemoryFleet({ devices: generateDevices({ count: 15 }), phases });
    const plan = planFor('updates', {
      stages: [
        { name: 'canary', devices: 5, monitorWindow: '1 minute' },
        { name: 'wave', devices: 10, monitorWindow: '1 minute', advance: 'manual' },
      ],
      defaults: { batchSize: 5, batchGap: '1 minute' },
    });
    await withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue) => {
      const client = new RolloutClient(env.client, taskQueue);
      const handle = await client.start({ plan, speedup: 600, startedBy: 'release-bot' });
      const { rolloutId } = plan;
      const status = () => client.status(rolloutId);

      await assert.rejects(client.resume(rolloutId, { by: 'alice' }), refusedWith(/not paused/));
      await assert.rejects(client.approve(rolloutId, { by: 'alice' }), refusedWith(/no stage waits for approval/));
      await assert.rejects(client.pause(rolloutId, { by: 'alice' } as never), InvalidInputError, 'the client checks a request before sending it');
      await assert.rejects(handle.executeUpdate(operatorMessages.pause.update, { args: [{ by: 'alice' } as never] }), (error: unknown) => {
        assert.ok(error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure);
        assert.equal(error.cause.type, FailureType.RequestRejected);
        assert.match(error.cause.message, /invalid pause input: reason: say why/);
        return true;
      });

      await waitFor(async () => (await status()).state === 'awaiting_approval', 'the wave stage to wait for approval');
      const waiting = await status();
      assert.deepEqual(waiting.pendingDecision && [waiting.pendingDecision.kind, waiting.pendingDecision.stage, waiting.pendingDecision.options], [
        'approve_stage',
        'wave',
        ['approve', 'rollback', 'abort'],
      ]);
      assert.equal(fleet.acceptedCommands().size, 5, 'nothing of the wave starts before approval');
      await waitFor(async () => (await client.list({ state: 'awaiting_approval', taskQueue })).some((row) => row.rolloutId === rolloutId), 'visibility to show RolloutState');
      assert.deepEqual(
        (await client.list({ firmwareVersion: '2.0.0', taskQueue })).map(({ rolloutId: id, currentStage }) => [id, currentStage]),
        [[rolloutId, 'wave']],
      );

      const metadata = await handle.query(workflowMetadataQuery);
      for (const kind of ['signalDefinitions', 'updateDefinitions'] as const) {
        const described = Object.fromEntries((metadata.definition?.[kind] ?? []).map((definition) => [definition.name, definition.description]));
        for (const message of Object.values(operatorMessages)) assert.equal(described[message.name], message.description, `${kind} ${message.name}`);
      }
      assert.match(metadata.currentDetails ?? '', /AWAITING APPROVAL[\s\S]*Waiting for approval of stage wave/);

      await assert.rejects(client.approve(rolloutId, { by: 'alice', stage: 'canary' }), refusedWith(/stage wave waits for approval, not canary/));
      const approved = await client.approve(rolloutId, { by: 'alice', stage: 'wave', reason: 'canary looks good' });
      assert.deepEqual([approved.accepted.action, approved.accepted.stage, approved.accepted.via, approved.state], ['approve', 'wave', 'update', 'running']);

      const report = await client.result(rolloutId);
      assert.equal(report.state, 'completed');
      assert.equal(fleet.acceptedCommands().size, 15);
      await assert.rejects(client.pause(rolloutId, { by: 'alice', reason: 'too late' }), refusedWith(/already ended/));
      const final: RolloutStatus = await status();
      assert.deepEqual([final.state, final.devices.succeeded, final.successRate, final.pendingDecision], ['completed', 15, 1, undefined]);
      assert.deepEqual(final.audit.map(({ action, by, via }) => [action, by, via]), [['start', 'release-bot', 'start'], ['approve', 'alice', 'update']]);
    });
  });

  it('abort stops without rolling back', async () => {
    const env = await localEnv();
    const fleet = new MemoryFleet({ devices: generateDevices({ count: 20 }), phases });
    const plan = planFor('abort', {
      stages: [
        { name: 'canary', devices: 5, monitorWindow: '1 minute' },
        { name: 'wave', devices: 15, monitorWindow: '1 minute' },
      ],
      defaults: { batchSize: 5, batchGap: '10 minutes' },
    });
    await withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue) => {
      const client = new RolloutClient(env.client, taskQueue);
      await client.start({ plan, speedup: 600, startedBy: 'release-bot' });

      await waitFor(async () => (await client.status(plan.rolloutId)).stages[1]!.batchesDone >= 1, 'the first wave batch');
      const ack = await client.abort(plan.rolloutId, { by: 'alice', reason: 'superseded by 2.0.1' });
      assert.equal(ack.state, 'aborting');
      const report = await client.result(plan.rolloutId);

      assert.equal(report.state, 'aborted');
      const final = await client.status(plan.rolloutId);
      assert.deepEqual(final.stages.map((stage) => stage.state), ['completed', 'aborted']);
      assert.ok(fleet.acceptedCommands().size < 20, 'the rest of the wave was never started');
      assert.equal(fleet.acceptedCommands('rollback').size, 0, 'nothing rolled back');
      const updated = [...fleet.acceptedCommands().keys()].filter((id) => fleet.device(id).firmwareVersion === '2.0.0');
      assert.ok(updated.length >= 10, `updated devices keep the new firmware (${updated.length})`);
    });
  });
});
