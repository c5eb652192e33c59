import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { PlanInput } from '../../src/engine/model/plan';
import { RolloutClient } from '../../src/client';
import { TemporalFleetBudget } from '../../src/adapters/budget/temporalBudget';
import { fleetBudgetWorkflowId } from '../../src/engine/model/ids';
import { budgetQuery, leaseUpdate } from '../../src/engine/workflows/budgetMessages';
import type { fleetBudgetWorkflow } from '../../src/engine/workflows/fleetBudget';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { InFlightRecordingFleet } from '../helpers/inFlightFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { localEnv, withWorker } from '../helpers/temporal';
import { waitFor } from '../helpers/processes';

// An update takes about 1 s; groups of 2 devices, 10 in flight per rollout without the budget.
const PHASES = { queued: 50, downloading: 300, downloaded: 50, installing: 300, rebooting: 300 };
const LIMIT = 6;

const plan = (name: string, stage: NonNullable<PlanInput['stages']>[number]): PlanInput =>
  planFor(name, { stages: [{ monitorWindow: '1 minute', ...stage }], defaults: { batchSize: 10, maxConcurrent: 10, queueDepthLimit: 2, batchGap: '1 minute' } });

describe('the fleet budget (dev server)', () => {
  it('holds two rollouts together under the fleet-wide limit at the fleet, both rollouts progressing', async () => {
    const env = await localEnv();
    const fleet = new InFlightRecordingFleet({ devices: generateDevices({ count: 40 }), phases: PHASES });
    const first = plan('budget-a', { name: 'all', devices: 20 });
    const second = plan('budget-b', { name: 'all', percent: 100 });
    const fleetName = `fleet-${randomUUID()}`;
    const ledger = await temporaryLedger();
    const dependencies = (taskQueue: string) => ({ fleet, ledger, budget: new TemporalFleetBudget(env.client, { fleet: fleetName, taskQueue, limit: LIMIT, leaseTtlMs: 10_000 }) });
    await withWorker(env, dependencies, async (taskQueue) => {
      const client = new RolloutClient(env.client, taskQueue);
      await client.start({ plan: first, speedup: 600 });
      // The second takes what the first did not claim: it must snapshot after the first did.
      await waitFor(async () => (await client.status(first.rolloutId)).state !== 'starting', 'the first rollout to snapshot its targets');
      await client.start({ plan: second, speedup: 600 });
      const reports = await Promise.all([client.result(first.rolloutId), client.result(second.rolloutId)]);
      assert.deepEqual(reports.map((report) => [report.state, report.stages[0]!.counts.succeeded]), [['completed', 20], ['completed', 20]]);
      const budget = env.client.workflow.getHandle(fleetBudgetWorkflowId(fleetName));
      const view = await budget.query(budgetQuery);
      await budget.terminate('test over');
      assert.deepEqual([view.limit, view.inFlight, view.rollouts], [LIMIT, 0, []], 'every lease came back');
    });
    const peak = Math.max(...fleet.inFlightAtCommand.map(({ inFlight }) => inFlight.length));
    const firstIds = new Set(generateDevices({ count: 40 }).slice(0, 20).map((device) => device.id));
    const shared = fleet.inFlightAtCommand.filter(({ inFlight }) => inFlight.some((id) => firstIds.has(id)) && inFlight.some((id) => !firstIds.has(id))).length;
    console.log(`      fleet peak ${peak} operations in flight (limit ${LIMIT}); ${shared} of ${fleet.inFlightAtCommand.length} commands sent while both rollouts had operations in flight`);
    assert.ok(peak <= LIMIT, `peak of ${peak} operations in flight at the fleet, over the budget of ${LIMIT}`);
    assert.ok(peak > 2, `peak of ${peak}: the budget let more than one group in flight`);
    assert.ok(shared > 0, 'both rollouts had operations in flight at once');
  });

  it("gives a dead rollout's lease back once it expires, and the rollout that waited goes on, its wait not held against its batch timeout", async () => {
    // Longer than the batch timeout (30 minutes at 600×: its 10-second real floor).
    const ttlMs = 15_000;
    await withDeadLease(ttlMs, async ({ client, fleet, holdBudget }) => {
      const grantedAt = await holdBudget();
      const rollout = plan('after-dead', { name: 'all', devices: 6 });
      await client.start({ plan: rollout, speedup: 600 });
      const report = await client.result(rollout.rolloutId);
      assert.deepEqual([report.state, report.stages[0]!.counts], ['completed', { pending: 0, succeeded: 6, failed: 0, deferred: 0, rolled_back: 0, excluded: 0 }]);
      const firstCommandAfterMs = fleet.commandTimes[0]! - grantedAt;
      console.log(`      first command ${firstCommandAfterMs} ms after the dead lease was granted (time to live ${ttlMs} ms)`);
      assert.ok(firstCommandAfterMs >= ttlMs - 500, `the rollout sent a command ${firstCommandAfterMs} ms after the dead lease, before it expired`);
    });
  });

  it('leases rollback operations from the budget too', async () => {
    const ttlMs = 8_000;
    const rollout = planFor('rollback-leased', {
      stages: [
        { name: 'canary', devices: 6, monitorWindow: '1 minute' },
        { name: 'rest', percent: 100, advance: 'manual' },
      ],
      defaults: { batchSize: 10, maxConcurrent: 10, queueDepthLimit: 2, batchGap: '1 minute' },
    });
    await withDeadLease(ttlMs, async ({ client, fleet, holdBudget }) => {
      await client.start({ plan: rollout, speedup: 600 });
      await waitFor(async () => (await client.status(rollout.rolloutId)).state === 'awaiting_approval', 'the canary to pass');
      const grantedAt = await holdBudget();
      await client.rollback(rollout.rolloutId, { by: 'alice', reason: 'bad build' });
      const report = await client.result(rollout.rolloutId);
      assert.deepEqual([report.state, report.stages[0]!.counts.rolled_back], ['rolled_back', 6]);
      const firstRollbackAfterMs = fleet.rollbackTimes[0]! - grantedAt;
      console.log(`      first rollback command ${firstRollbackAfterMs} ms after the dead lease was granted (time to live ${ttlMs} ms)`);
      assert.ok(firstRollbackAfterMs >= ttlMs - 500, `a rollback command went out ${firstRollbackAfterMs} ms after the dead lease, before it expired`);
    }, 12);
  });

  it("grants no more than the worker's adaptive limit for the service, under the fleet limit", async () => {
    const env = await localEnv();
    const fleetName = `fleet-${randomUUID()}`;
    const ledger = await temporaryLedger();
    const fleet = new InFlightRecordingFleet({ devices: generateDevices({ count: 1 }), phases: PHASES });
    // The limit an adaptive admission would have reached: the budget only reads it.
    const admission = { state: { limit: 3, inFlight: 0 }, tryAdmit: () => 0, release: () => undefined };
    await withWorker(env, () => ({ fleet, ledger }), async (taskQueue) => {
      const budget = new TemporalFleetBudget(env.client, { fleet: fleetName, taskQueue, limit: LIMIT, leaseTtlMs: 10_000, pollMs: 50, admission });
      const handle = env.client.workflow.getHandle(fleetBudgetWorkflowId(fleetName));
      const first = await budget.lease({ requestId: 'a/1', rolloutId: 'a', priority: 'normal', operations: 2 }, () => undefined);
      let secondGranted = false;
      const second = budget.lease({ requestId: 'b/1', rolloutId: 'b', priority: 'normal', operations: 2 }, () => undefined).then((lease) => {
        secondGranted = true;
        return lease;
      });
      await waitFor(async () => (await handle.query(budgetQuery)).rollouts.some((row) => row.rolloutId === 'b'), 'the second request to reach the budget');
      const view = await handle.query(budgetQuery);
      assert.deepEqual([view.limit, view.service, view.inFlight, secondGranted], [LIMIT, { limit: 3, workers: 1 }, 2, false], '2 + 2 fit the fleet limit of 6 but not the service limit of 3');
      await first.release();
      await (await second).release();
      await handle.terminate('test over');
    });
  });
});

interface DeadLeaseContext {
  client: RolloutClient;
  fleet: InFlightRecordingFleet;
  /** Grants a dead rollout the whole budget now: never renewed, never released. Returns when. */
  holdBudget(): Promise<number>;
}

/** A worker on a fleet budget that a rollout whose worker died can hold whole; every lease has come back by the end. */
async function withDeadLease(ttlMs: number, body: (context: DeadLeaseContext) => Promise<void>, devices = 6): Promise<void> {
  const env = await localEnv();
  const fleet = new InFlightRecordingFleet({ devices: generateDevices({ count: devices }), phases: PHASES });
  const fleetName = `fleet-${randomUUID()}`;
  const ledger = await temporaryLedger();
  await withWorker(env, (taskQueue) => ({ fleet, ledger, budget: new TemporalFleetBudget(env.client, { fleet: fleetName, taskQueue, limit: LIMIT, leaseTtlMs: ttlMs }) }), async (taskQueue) => {
    const budget = await env.client.workflow.start<typeof fleetBudgetWorkflow>('fleetBudgetWorkflow', {
      workflowId: fleetBudgetWorkflowId(fleetName),
      taskQueue,
      args: [{ fleet: fleetName, limit: LIMIT, leaseTtlMs: ttlMs }],
    });
    const holdBudget = async () => {
      const dead = await budget.executeUpdate(leaseUpdate, { args: [{ requestId: 'dead/1', rolloutId: 'dead', priority: 'high', operations: LIMIT }] });
      assert.equal(dead.granted, true);
      return Date.now();
    };
    await body({ client: new RolloutClient(env.client, taskQueue), fleet, holdBudget });
    const view = await budget.query(budgetQuery);
    await budget.terminate('test over');
    assert.deepEqual(view.rollouts, [], 'every lease came back');
  });
}
