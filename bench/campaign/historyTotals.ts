import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { fetchRuns } from '../../test/helpers/histories';

const { EventType, WorkflowTaskFailedCause } = temporal.api.enums.v1;

/**
 * Failed workflow tasks that are the server's bookkeeping, not a fault of workflow code: a signal or
 * update arrived while the worker completed the task, which the server then has it redo at once.
 */
const BENIGN_FAILURES = new Set([WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND, WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_STICKY_TASK_QUEUE]);

export interface HistoryTotals {
  workflows: number;
  runs: number;
  events: number;
  bytes: number;
  workflowTasksCompleted: number;
  /** Tasks the worker failed (an exception or non-determinism in workflow code): what must stay 0. */
  workflowTasksFailed: number;
  /** Tasks the server had redone because new events arrived meanwhile (unhandled command, sticky reset). */
  workflowTasksRedone: number;
  /** Tasks no worker finished in time: expected when a worker is killed holding them. */
  workflowTasksTimedOut: number;
}

/** Every run of every workflow on `taskQueue`, read back from the server: a campaign's task queue is its own. */
export async function historyTotals(client: Client, taskQueue: string): Promise<HistoryTotals> {
  const workflowIds = new Set<string>();
  for await (const execution of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) workflowIds.add(execution.workflowId);
  const totals: HistoryTotals = { workflows: workflowIds.size, runs: 0, events: 0, bytes: 0, workflowTasksCompleted: 0, workflowTasksFailed: 0, workflowTasksRedone: 0, workflowTasksTimedOut: 0 };
  for (const workflowId of workflowIds) {
    for (const history of await fetchRuns(client, workflowId)) {
      totals.runs += 1;
      totals.bytes += temporal.api.history.v1.History.encode(history).finish().length;
      for (const event of history.events ?? []) {
        totals.events += 1;
        if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) totals.workflowTasksCompleted += 1;
        if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) totals.workflowTasksTimedOut += 1;
        if (event.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) continue;
        const cause = event.workflowTaskFailedEventAttributes?.cause ?? WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNSPECIFIED;
        if (BENIGN_FAILURES.has(cause)) totals.workflowTasksRedone += 1;
        else totals.workflowTasksFailed += 1;
      }
    }
  }
  return totals;
}
