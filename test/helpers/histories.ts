import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { batchWorkflowId, catchUpWorkflowId, rolloutWorkflowId, stageWorkflowId, healthWatchWorkflowId } from '../../src/engine/model/ids';
import { resolveStage, type Plan } from '../../src/engine/model/plan';
import type { RolloutReport } from '../../src/engine/model/rollout';
import { batchCount } from '../../src/engine/model/planMath';

/** One run of a workflow (a continued-as-new workflow has several) and the size of its history. */
export interface RunHistory {
  workflowId: string;
  workflowType: string;
  /** 1 for the first run; a continue-as-new chain counts up from there. */
  run: number;
  events: number;
  /** The history as the server sends it: the protobuf encoding of every event. */
  bytes: number;
  /** Events by type, e.g. `ActivityTaskScheduled: 1000`. */
  eventTypes: Record<string, number>;
}

/**
 * Every workflow id a finished rollout used. The time-skipping test server cannot list workflows,
 * so the ids are derived the way the engine spells them.
 */
export function rolloutWorkflowIds(plan: Pick<Plan, 'rolloutId' | 'defaults' | 'stages'>, report: RolloutReport): string[] {
  const stages = report.stages.flatMap(({ stage, devices }, index) => {
    if (devices === 0) return [];
    const batches = batchCount(devices, resolveStage(plan, index).batchSize);
    return [stageWorkflowId(plan.rolloutId, stage), ...Array.from({ length: batches }, (_, batch) => batchWorkflowId(plan.rolloutId, stage, batch))];
  });
  // The catch-up phase follows a last stage that passed; with nobody missed it ends in its first run.
  const catchUp = report.state === 'completed' ? [catchUpWorkflowId(plan.rolloutId)] : [];
  return [rolloutWorkflowId(plan.rolloutId), healthWatchWorkflowId(plan.rolloutId), ...stages, ...catchUp];
}

/** The history of every run of `workflowId`, first run first: follows continue-as-new back from the latest run. */
export async function fetchRuns(client: Client, workflowId: string): Promise<temporal.api.history.v1.IHistory[]> {
  const newestFirst: temporal.api.history.v1.IHistory[] = [];
  let runId: string | undefined;
  do {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    newestFirst.push(history);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  } while (runId);
  return newestFirst.reverse();
}

/** Every run of `workflowId`, first run first, with the size of its history. */
export async function runHistories(client: Client, workflowId: string): Promise<RunHistory[]> {
  return (await fetchRuns(client, workflowId)).map((history, index) => ({
    workflowId,
    workflowType: history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'unknown',
    run: index + 1,
    events: history.events?.length ?? 0,
    bytes: temporal.api.history.v1.History.encode(history).finish().length,
    eventTypes: countEventTypes(history.events ?? []),
  }));
}

function countEventTypes(events: readonly temporal.api.history.v1.IHistoryEvent[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) {
    const name = temporal.api.enums.v1.EventType[event.eventType ?? 0]?.replace(/^EVENT_TYPE_/, '') ?? 'UNKNOWN';
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

export async function allRunHistories(client: Client, workflowIds: readonly string[]): Promise<RunHistory[]> {
  const histories: RunHistory[] = [];
  for (const workflowId of workflowIds) histories.push(...(await runHistories(client, workflowId)));
  return histories;
}

export interface LargestHistories {
  workflowType: string;
  runs: number;
  mostEvents: RunHistory;
  mostBytes: RunHistory;
}

/** Per workflow type, the run with the most events and the run with the most bytes. */
export function largestByType(histories: readonly RunHistory[]): LargestHistories[] {
  const byType = new Map<string, RunHistory[]>();
  for (const history of histories) {
    const runs = byType.get(history.workflowType) ?? [];
    runs.push(history);
    byType.set(history.workflowType, runs);
  }
  return [...byType.entries()].map(([workflowType, runs]) => ({
    workflowType,
    runs: runs.length,
    mostEvents: runs.reduce((most, run) => (run.events > most.events ? run : most)),
    mostBytes: runs.reduce((most, run) => (run.bytes > most.bytes ? run : most)),
  }));
}
