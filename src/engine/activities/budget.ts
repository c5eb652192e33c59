import { Context } from '@temporalio/activity';
import type { LeaseRequest, Priority } from '../model/budget';
import type { ActivityDependencies } from './dependencies';

export interface AwaitLeaseInput {
  /** The lease's request id, chosen by the workflow: the update attempt that follows takes the lease over with it. */
  leaseId: string;
  rolloutId: string;
  priority?: Priority | undefined;
  operations: number;
}

/** A waiting request keeps its activity alive, and stops waiting once the activity is cancelled. */
function waitingInActivity(): void {
  const context = Context.current();
  context.heartbeat();
  context.cancellationSignal.throwIfAborted();
}

/** The request id of a lease asked for by the running activity: stable across its retries, which take over a lease a dead try held. */
export function activityLeaseId(rolloutId: string, part?: string): string {
  const { workflowExecution, activityId } = Context.current().info;
  return [workflowExecution?.workflowId ?? rolloutId, activityId, ...(part === undefined ? [] : [part])].join('/');
}

/** Runs `work` holding a lease of `request` from the fleet budget, waiting for it first; without a budget, at once. */
export async function whileLeased<T>({ budget }: Pick<ActivityDependencies, 'budget'>, request: LeaseRequest, work: () => Promise<T>): Promise<T> {
  const lease = await budget?.lease(request, waitingInActivity);
  try {
    return await work();
  } finally {
    await lease?.release();
  }
}

export function createBudgetActivities({ budget }: ActivityDependencies) {
  /**
   * Returns once the fleet budget grants a group's lease, without holding it: the group's update
   * attempt takes it over within its time to live. The batch waits for this apart from the attempt,
   * so time spent behind other rollouts does not count against its timeout.
   */
  async function awaitLease({ leaseId, rolloutId, priority = 'normal', operations }: AwaitLeaseInput): Promise<void> {
    await budget?.granted({ requestId: leaseId, rolloutId, priority, operations }, waitingInActivity);
  }

  return { awaitLease };
}
