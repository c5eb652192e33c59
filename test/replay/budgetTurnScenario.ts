import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { TemporalFleetBudget } from '../../src/adapters/budget/temporalBudget';
import { RolloutClient } from '../../src/client';
import { fleetBudgetWorkflowId } from '../../src/engine/model/ids';
import { leaseUpdate } from '../../src/engine/workflows/budgetMessages';
import type { fleetBudgetWorkflow } from '../../src/engine/workflows/fleetBudget';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { waitFor } from '../helpers/processes';
import { withWorker } from '../helpers/temporal';
import { workflowsOn } from './manyRolloutsScenario';

const PHASES = { queued: 50, downloading: 200, downloaded: 50, installing: 200, rebooting: 200 };
const LIMIT = 6;
/** Longer than the batch timeout at 600× (its 10-second real floor): the canary's groups wait for the budget past it. */
const DEAD_LEASE_TTL_MS = 15_000;

/**
 * A rollout whose batches wait for their turn at a fleet budget that a dead rollout holds whole,
 * longer than their batch timeout; then an operator's rollback, whose commands lease too. Returns
 * every workflow the task queue ran.
 */
export async function budgetTurns(env: TestWorkflowEnvironment): Promise<string[]> {
  const fleet = new MemoryFleet({ devices: generateDevices({ count: 12 }), phases: PHASES });
  const ledger = await temporaryLedger();
  const plan = planFor('budget-turns', {
    stages: [
      { name: 'canary', devices: 6, monitorWindow: '1 minute' },
      { name: 'rest', percent: 100, advance: 'manual' },
    ],
    defaults: { batchSize: 6, maxConcurrent: 6, queueDepthLimit: 2, batchGap: '1 minute' },
  });
  try {
    const budget = (taskQueue: string) => new TemporalFleetBudget(env.client, { fleet: taskQueue, taskQueue, limit: LIMIT, leaseTtlMs: DEAD_LEASE_TTL_MS });
    return await withWorker(env, (taskQueue) => ({ fleet, ledger, budget: budget(taskQueue) }), async (taskQueue) => {
      const handle = await env.client.workflow.start<typeof fleetBudgetWorkflow>('fleetBudgetWorkflow', {
        workflowId: fleetBudgetWorkflowId(taskQueue),
        taskQueue,
        args: [{ fleet: taskQueue, limit: LIMIT, leaseTtlMs: DEAD_LEASE_TTL_MS }],
      });
      await handle.executeUpdate(leaseUpdate, { args: [{ requestId: 'dead/1', rolloutId: 'dead', priority: 'high', operations: LIMIT }] });
      const client = new RolloutClient(env.client, taskQueue);
      await client.start({ plan, speedup: 600 });
      await waitFor(async () => (await client.status(plan.rolloutId)).state === 'awaiting_approval', 'the canary to pass');
      await client.rollback(plan.rolloutId, { by: 'alice', reason: 'bad build' });
      await client.result(plan.rolloutId);
      await handle.terminate('recording over');
      return workflowsOn(env, taskQueue);
    });
  } finally {
    await ledger.close();
  }
}
