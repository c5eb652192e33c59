import type { Client } from '@temporalio/client';
import { allRunHistories } from '../../test/helpers/histories';

export interface HistoryTotals {
  workflows: number;
  runs: number;
  events: number;
  bytes: number;
  workflowTasksCompleted: number;
  /** Tasks the worker failed (an exception or non-determinism in workflow code): what must stay 0. */
  workflowTasksFailed: number;
  /** Tasks no worker finished in time: expected when a worker is killed holding them. */
  workflowTasksTimedOut: number;
}

/** Every run of every workflow on `taskQueue`, read back from the server: a campaign's task queue is its own. */
export async function historyTotals(client: Client, taskQueue: string): Promise<HistoryTotals> {
  const workflowIds = new Set<string>();
  for await (const execution of client.workflow.list({ query: `TaskQueue = "${taskQueue}"` })) workflowIds.add(execution.workflowId);
  const histories = await allRunHistories(client, [...workflowIds]);
  const sum = (count: (history: (typeof histories)[number]) => number) => histories.reduce((total, history) => total + count(history), 0);
  return {
    workflows: workflowIds.size,
    runs: histories.length,
    events: sum((history) => history.events),
    bytes: sum((history) => history.bytes),
    workflowTasksCompleted: sum((history) => history.eventTypes.WORKFLOW_TASK_COMPLETED ?? 0),
    workflowTasksFailed: sum((history) => history.eventTypes.WORKFLOW_TASK_FAILED ?? 0),
    workflowTasksTimedOut: sum((history) => history.eventTypes.WORKFLOW_TASK_TIMED_OUT ?? 0),
  };
}
