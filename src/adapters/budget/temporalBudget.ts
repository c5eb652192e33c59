import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { LeaseAnswer, LeaseRequest } from '../../engine/model/budget';
import { fleetBudgetWorkflowId } from '../../engine/model/ids';
import type { FleetBudget, HeldLease } from '../../engine/ports/fleetBudget';
import type { OperationAdmission } from '../../engine/ports/operationAdmission';
import { leaseQuery, leaseUpdate, releaseSignal } from '../../engine/workflows/budgetMessages';
import type { fleetBudgetWorkflow } from '../../engine/workflows/fleetBudget';

export interface TemporalFleetBudgetOptions {
  /** The fleet's name: one budget workflow per fleet. */
  fleet: string;
  /** Where the budget workflow runs: a task queue the rollout workers poll. */
  taskQueue: string;
  /** The limit the budget workflow starts with; `rollout budget --limit` changes it later. */
  limit: number;
  leaseTtlMs: number;
  /** How often a waiting request asks whether it was granted (a query: no history written). */
  pollMs?: number;
  /** This worker's adaptive limit for the service, reported with every request so the budget grants no more than it. */
  admission?: OperationAdmission;
}

/** The fleet budget as a Temporal workflow, started by the first request (update-with-start). */
export class TemporalFleetBudget implements FleetBudget {
  /** This worker process, among those reporting their adaptive limit to the budget. */
  private readonly worker = randomUUID();

  constructor(
    private readonly client: Client,
    private readonly options: TemporalFleetBudgetOptions,
  ) {}

  async granted(request: LeaseRequest, waiting: () => void): Promise<void> {
    const { leaseTtlMs, pollMs = 250 } = this.options;
    let answer: LeaseAnswer | undefined = await this.ask(request);
    let askedAt = Date.now();
    while (!answer?.granted) {
      waiting();
      await sleep(pollMs);
      // Asking again keeps the request's place; a query alone would let it expire.
      if (answer === undefined || Date.now() - askedAt >= leaseTtlMs / 3) {
        answer = await this.ask(request);
        askedAt = Date.now();
      } else answer = await this.handle().query(leaseQuery, request.requestId);
    }
  }

  async lease(request: LeaseRequest, waiting: () => void): Promise<HeldLease> {
    await this.granted(request, waiting);
    const renewal = setInterval(() => void this.ask(request).catch(() => undefined), this.options.leaseTtlMs / 3);
    return {
      release: async () => {
        clearInterval(renewal);
        await this.handle().signal(releaseSignal, { requestId: request.requestId });
      },
    };
  }

  private handle() {
    return this.client.workflow.getHandle<typeof fleetBudgetWorkflow>(fleetBudgetWorkflowId(this.options.fleet));
  }

  private ask(request: LeaseRequest): Promise<LeaseAnswer> {
    const { fleet, taskQueue, limit, leaseTtlMs } = this.options;
    const startWorkflowOperation = new WithStartWorkflowOperation<typeof fleetBudgetWorkflow>('fleetBudgetWorkflow', {
      workflowId: fleetBudgetWorkflowId(fleet),
      taskQueue,
      args: [{ fleet, limit, leaseTtlMs }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      staticSummary: `fleet budget of ${fleet}`,
    });
    return this.client.workflow.executeUpdateWithStart(leaseUpdate, { args: [{ ...request, ...this.serviceLimit() }], startWorkflowOperation });
  }

  /** The limit now; none before the first rollout set the admission a target. */
  private serviceLimit(): Pick<LeaseRequest, 'serviceLimit'> {
    const limit = this.options.admission?.state.limit ?? 0;
    return limit > 0 ? { serviceLimit: { worker: this.worker, limit } } : {};
  }
}
