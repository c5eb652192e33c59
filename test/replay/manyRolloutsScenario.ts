import { setTimeout as sleep } from 'node:timers/promises';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { TemporalFleetBudget } from '../../src/adapters/budget/temporalBudget';
import { WebhookNotifier } from '../../src/adapters/notifier/webhookNotifier';
import { RolloutClient } from '../../src/client';
import { fleetBudgetWorkflowId } from '../../src/engine/model/ids';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { waitFor } from '../helpers/processes';
import { withWorker } from '../helpers/temporal';
import { RECEIVER_SECRET, webhookReceiver } from '../helpers/webhookReceiver';

const SECRET_ENV = 'RECORDER_WEBHOOK_SECRET';
const PHASES = { queued: 50, downloading: 200, downloaded: 50, installing: 200, rebooting: 200 };

/**
 * What the workflows built after the first recordings do, on one fleet: a fleet budget with a
 * worker reporting its adaptive limit, a second rollout taking only what the first did not claim, a
 * hand-over between them, an operator rollback and the alert it raises. Returns every workflow the
 * task queue ran, for the recorder to save.
 */
export async function manyRollouts(env: TestWorkflowEnvironment): Promise<string[]> {
  process.env[SECRET_ENV] = RECEIVER_SECRET;
  const receiver = await webhookReceiver();
  const fleet = new MemoryFleet({ devices: generateDevices({ count: 30 }), phases: PHASES });
  const ledger = await temporaryLedger();
  const admission = { state: { limit: 4, inFlight: 0 }, tryAdmit: (wanted: number) => wanted, release: () => undefined };
  const notifications = { webhooks: [{ url: receiver.url, secretEnv: SECRET_ENV }] };
  const defaults = { batchSize: 5, maxConcurrent: 4, batchGap: '10 minutes' };
  const first = planFor('first', { stages: [{ name: 'canary', devices: 5, monitorWindow: '10 minutes' }, { name: 'wave', devices: 10, monitorWindow: '10 minutes' }], defaults, notifications });
  const second = planFor('second', { stages: [{ name: 'all', percent: 100, monitorWindow: '10 minutes' }], defaults, priority: 'high' });
  try {
    return await withWorker(
      env,
      (taskQueue) => ({ fleet, ledger, notifier: new WebhookNotifier(), budget: new TemporalFleetBudget(env.client, { fleet: taskQueue, taskQueue, limit: 6, leaseTtlMs: 30_000, admission }) }),
      async (taskQueue) => {
        const client = new RolloutClient(env.client, taskQueue);
        await client.start({ plan: first, speedup: 600 });
        await waitFor(async () => (await client.status(first.rolloutId)).state !== 'starting', 'the first rollout to claim its devices');
        await client.start({ plan: second, speedup: 600 });
        await waitFor(async () => (await client.status(first.rolloutId)).stages[0]!.batchesDone >= 1, "the first rollout's canary");
        const wave = [...(await ledger.targets(first.rolloutId))].filter(([, target]) => target.stage === 'wave').map(([deviceId]) => deviceId);
        await client.handOver({ from: first.rolloutId, to: second.rolloutId, devices: wave.slice(0, 2), by: 'recorder', reason: 'the hotfix takes two of them' });
        await client.rollback(first.rolloutId, { by: 'alice', reason: 'the canary reboots too often', scope: 'all' });
        await Promise.all([client.result(first.rolloutId), client.result(second.rolloutId)]);
        await waitFor(() => receiver.accepted.size > 0, 'the rollback alert to be delivered');
        await env.client.workflow.getHandle(fleetBudgetWorkflowId(taskQueue)).terminate('recording over');
        return workflowsOn(env, taskQueue);
      },
    );
  } finally {
    await receiver.close();
    await ledger.close();
  }
}

/** Every workflow that ran on `taskQueue`, once visibility has them all (it lags the server a little). */
export async function workflowsOn(env: TestWorkflowEnvironment, taskQueue: string): Promise<string[]> {
  const list = async () => {
    const ids: string[] = [];
    for await (const execution of env.client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) ids.push(execution.workflowId);
    return [...new Set(ids)].sort();
  };
  let ids = await list();
  for (;;) {
    await sleep(1_000);
    const again = await list();
    if (again.length === ids.length) return again;
    ids = again;
  }
}
