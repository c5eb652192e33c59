import { allHandlersFinished, ApplicationFailure, condition, continueAsNew, setCurrentDetails, setHandler, workflowInfo } from '@temporalio/workflow';
import { answer, budgetHeadline, budgetView, LeaseRequest, release, request, settle, type BudgetState } from '../model/budget';
import { FailureType } from '../model/failures';
import { issueLine } from '../model/validation';
import { budgetQuery, leaseQuery, leaseUpdate, releaseSignal, setLimitUpdate } from './budgetMessages';
import { nowMs } from './workflowTime';

export interface FleetBudgetInput {
  fleet: string;
  /** Operations in flight, fleet-wide, that all rollouts together may hold. */
  limit: number;
  /** A lease or waiting request not asked after for this long (real milliseconds) goes back to the budget. */
  leaseTtlMs: number;
  /** Carried across continue-as-new. */
  state?: BudgetState;
}

/** Continue as new well before the server's 51,200-event limit; every lease costs a few events. */
const EVENTS_PER_RUN = 5_000;

/**
 * The fleet budget: one long-lived workflow per fleet (`fleet-budget:<fleet>`) that grants rollouts
 * leases of operations in flight up to the fleet-wide limit, by priority and fairly between rollouts
 * (see `model/budget.ts`), takes back leases nobody renews, and continues as new to keep its history short.
 */
export async function fleetBudgetWorkflow(input: FleetBudgetInput): Promise<never> {
  let state: BudgetState = input.state ?? { limit: input.limit, leases: [], waiting: [] };
  let changed = true;
  const change = (next: BudgetState) => {
    state = next;
    changed = true;
  };
  setHandler(
    leaseUpdate,
    (asked) => {
      change(request(state, asked, nowMs(), input.leaseTtlMs));
      return answer(state, asked.requestId)!;
    },
    {
      validator: (asked) => {
        const parsed = LeaseRequest.safeParse(asked);
        if (!parsed.success) throw ApplicationFailure.nonRetryable(`lease request is invalid: ${issueLine(parsed.error)}`, FailureType.RequestRejected);
      },
    },
  );
  setHandler(releaseSignal, ({ requestId }) => change(settle(release(state, requestId), nowMs())));
  setHandler(
    setLimitUpdate,
    ({ limit }) => {
      change(settle({ ...state, limit }, nowMs()));
      return budgetView(input.fleet, state);
    },
    {
      validator: ({ limit, by }) => {
        if (!Number.isInteger(limit) || limit < 1) throw ApplicationFailure.nonRetryable('limit: a whole number of operations of at least 1', FailureType.RequestRejected);
        if (!by) throw ApplicationFailure.nonRetryable('by: say who changes the limit', FailureType.RequestRejected);
      },
    },
  );
  setHandler(budgetQuery, () => budgetView(input.fleet, state));
  setHandler(leaseQuery, (requestId) => answer(state, requestId));

  while (workflowInfo().historyLength < EVENTS_PER_RUN && !workflowInfo().continueAsNewSuggested) {
    if (changed) publish(input.fleet, state);
    changed = false;
    const nextExpiry = Math.min(...[...state.leases, ...state.waiting, ...(state.serviceLimits ?? [])].map((held) => held.expiresAtMs));
    if (Number.isFinite(nextExpiry)) await condition(() => changed, Math.max(1, nextExpiry - nowMs()));
    else await condition(() => changed);
    change(settle(state, nowMs()));
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof fleetBudgetWorkflow>({ ...input, state });
}

/** The budget as the Web UI's Current Details. */
function publish(fleet: string, state: BudgetState): void {
  const view = budgetView(fleet, state);
  const rows = view.rollouts.map((row) => `| ${row.rolloutId} | ${row.priority} | ${row.leased} | ${row.waiting} |`);
  setCurrentDetails(
    [`**Fleet budget ${fleet}**: ${budgetHeadline(view)}`, '', '| rollout | priority | leased | waiting |', '|---|---|---|---|', ...rows].join('\n'),
  );
}
