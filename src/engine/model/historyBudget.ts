/**
 * What keeps every workflow history bounded, and the bounds that follow. Each bound counts every
 * event the workflow code can cause in one run, assuming the worst: a workflow task of its own
 * (3 events: scheduled, started, completed) for every event that wakes the workflow. Operator
 * messages are not counted: each pause, resume or approve adds a few events where it lands.
 */

/** Temporal warns above this many events in one history (and fails a workflow at 51,200). */
export const HISTORY_EVENT_LIMIT = 10_240;
/** Temporal warns above this many bytes in one history (and fails a workflow at 50 MB). */
export const HISTORY_BYTE_LIMIT = 10 * 1024 * 1024;

/**
 * Progress reports a batch sends its stage as its devices end, besides the milestone and the
 * timeout: enough for the stage's concurrency check, few enough to keep both histories small.
 */
export const PROGRESS_REPORTS_PER_BATCH = 10;
/** Progress reaches the rollout at most this many times per stage (plus one per gate decision). */
export const PROGRESS_REPORTS_PER_STAGE = 200;
/** Health polls one run of a stage's monitoring window makes before it continues as new. */
export const HEALTH_POLLS_PER_RUN = 300;
/** Crash-evidence polls one run of the health watch makes before it continues as new. */
export const EVIDENCE_POLLS_PER_RUN = 300;
/** Health polls while a pause waits for its decision deadline: enough to see a trend, few enough for history. */
export const POLLS_PER_DEADLINE = 24;
/** Fleet reads a batch makes at most while it waits for its pipelining milestone. */
export const MILESTONE_POLLS_PER_BATCH = 30;
/** Devices one update activity handles, with one bulk fleet call per step (the HTTP fleet's chunk size). */
const DEVICES_PER_UPDATE_ACTIVITY = 100;

/**
 * Plan limits. A batch's device and outcome lists travel through its history (about 150 bytes a
 * device), so batches stay at the size measured at scale; the stage and rollout limits keep their
 * bounds under HISTORY_EVENT_LIMIT; the batch's bound, which also depends on maxConcurrent and
 * maximumAttempts, the plan schema checks per stage.
 */
export const MAX_BATCH_SIZE = 1_000;
export const MAX_BATCHES_PER_RUN = 100;
export const MAX_STAGES = 12;
/** Re-checks of missed devices that fit in one rollout window (the seed's 7 days hourly are 168). */
export const MAX_CATCH_UP_ROUNDS = 1_000;
/** Catch-up rounds one run of the catch-up workflow holds before it continues as new. */
export const CATCH_UP_ROUNDS_PER_RUN = 10;
/** Reports the catch-up phase sends its rollout at most, whatever the number of rounds (plus one per gate decision). */
export const CATCH_UP_REPORTS_PER_ROLLOUT = 50;

const WORKFLOW_TASK = 3;
const ACTIVITY = 3; // scheduled, started, completed (retries add none)
const TIMER = 2; // started, fired or cancelled
const CHILD = 3; // initiated, started, ended
const SIGNAL_SENT = 2; // initiated, signalled
const RUN_ENDS = 2; // started, then completed or continued as new

export interface BatchShape {
  devices: number;
  maxConcurrent: number;
  /** The stage's queue depth limit; the contract's 100 devices per request when absent. */
  queueDepthLimit?: number;
  maximumAttempts: number;
  /** The plan has maintenance windows, so each attempt of a group may first wait for its window. */
  windowed?: boolean;
}

/** Devices per update activity: one bulk request, never more than may be in flight or queued at once. */
export const updateGroupSize = ({ maxConcurrent, queueDepthLimit = DEVICES_PER_UPDATE_ACTIVITY }: Pick<BatchShape, 'maxConcurrent' | 'queueDepthLimit'>): number =>
  Math.min(DEVICES_PER_UPDATE_ACTIVITY, maxConcurrent, queueDepthLimit);

/** Update activities a batch's devices are split into, per attempt. */
const updateGroups = ({ devices, ...limits }: Omit<BatchShape, 'maximumAttempts'>): number => Math.ceil(devices / updateGroupSize(limits));

/**
 * One batch: per update group and attempt an activity (perhaps cancelled by a rollback) and, between
 * attempts, a backoff timer; then preflight, recordOutcomes, the timeout and milestone timers, the
 * progress reports and the milestone polls. Independent of the devices' count within a group.
 * With maintenance windows, each attempt may first wait for its window: a timer, and the batch
 * timeout's timer cancelled as the wait begins and started again as it ends. (A window the workers
 * are down through from start to end costs one wait more.)
 */
export function batchHistoryBound({ maximumAttempts, windowed = false, ...shape }: BatchShape): number {
  const windowWait = windowed ? TIMER + WORKFLOW_TASK + TIMER : 0;
  const perGroup = maximumAttempts * (ACTIVITY + 1 + WORKFLOW_TASK + windowWait) + (maximumAttempts - 1) * (TIMER + WORKFLOW_TASK);
  const milestonePolls = MILESTONE_POLLS_PER_BATCH;
  const reports = PROGRESS_REPORTS_PER_BATCH + 2;
  const activities = 2 + milestonePolls;
  const timers = 2 + milestonePolls;
  const wakeUps = 1 + activities + timers + reports;
  const fixed = RUN_ENDS + activities * ACTIVITY + timers * TIMER + reports * SIGNAL_SENT + wakeUps * WORKFLOW_TASK;
  return fixed + updateGroups(shape) * perGroup;
}

/**
 * Per batch a stage run records: the child, the gap before it, the batch's reports, one report to
 * the rollout, and on a rollback the cancellation and rollbackBatch activity, each waking it once.
 */
export const STAGE_EVENTS_PER_BATCH = (() => {
  const reports = PROGRESS_REPORTS_PER_BATCH + 2;
  const cancellation = 2;
  const wakeUps = 2 + 1 + reports + 1 + 1 + 1;
  return CHILD + TIMER + reports + SIGNAL_SENT + cancellation + ACTIVITY + wakeUps * WORKFLOW_TASK;
})();

/** A stage run that starts batches: at most `batchesPerRun` of them. */
export const stageRunHistoryBound = (batchesPerRun: number): number => RUN_ENDS + WORKFLOW_TASK + batchesPerRun * STAGE_EVENTS_PER_BATCH;

/**
 * A run of the monitoring window: a timer, a health activity and two workflow tasks per poll, and one
 * pause with its deadline polls and the pause and resume reports to the rollout (each further pause
 * needs an operator's resume, which the bound does not count).
 */
export const MONITORING_RUN_HISTORY_BOUND =
  RUN_ENDS + WORKFLOW_TASK + (HEALTH_POLLS_PER_RUN + POLLS_PER_DEADLINE) * (TIMER + ACTIVITY + 2 * WORKFLOW_TASK) + 2 * (SIGNAL_SENT + WORKFLOW_TASK);

/**
 * A run of the health watch: a timer, the evidence activity, a finding reported to the rollout at
 * most once per poll, and two workflow tasks per poll.
 */
export const EVIDENCE_RUN_HISTORY_BOUND = RUN_ENDS + WORKFLOW_TASK + EVIDENCE_POLLS_PER_RUN * (TIMER + ACTIVITY + SIGNAL_SENT + 2 * WORKFLOW_TASK);

/** The health watch's child and its cancellation at the end, each waking the rollout. */
const HEALTH_WATCH_CHILD = CHILD + 3 + 3 * WORKFLOW_TASK;
/** A crash finding: its signal, the cohort's rollback and quarantine activities and the deadline's timer. */
const PER_CRASH_FINDING = 1 + 2 * ACTIVITY + TIMER + 4 * WORKFLOW_TASK;

/**
 * A rollout of `stages` stages: the snapshot and the final rollback activities, and per stage the
 * child and its progress reports (one per gate decision besides), each waking it once; the health
 * watch and, per cohort it finds regressed, the response; then the catch-up child with its reports
 * and the activity that reports who missed the rollout.
 */
export function rolloutHistoryBound(stages: number, gateDecisions = 0, crashFindings = 0): number {
  const perStage = CHILD + 2 * WORKFLOW_TASK + (PROGRESS_REPORTS_PER_STAGE + 1) * (1 + WORKFLOW_TASK);
  const catchUp = CHILD + 2 * WORKFLOW_TASK + CATCH_UP_REPORTS_PER_ROLLOUT * (1 + WORKFLOW_TASK) + ACTIVITY + WORKFLOW_TASK;
  const health = HEALTH_WATCH_CHILD + crashFindings * PER_CRASH_FINDING;
  return RUN_ENDS + WORKFLOW_TASK + 2 * (ACTIVITY + WORKFLOW_TASK) + stages * perStage + catchUp + gateDecisions * (1 + WORKFLOW_TASK) + health;
}

/**
 * A run of the catch-up phase: per round the selection activity, the wait for the re-check, the
 * round's child (a stage, which reports to the catch-up like to a rollout) and one report to the rollout.
 */
export const CATCH_UP_RUN_HISTORY_BOUND = (() => {
  const stageReports = (PROGRESS_REPORTS_PER_STAGE + 1) * (1 + WORKFLOW_TASK);
  const perRound = ACTIVITY + TIMER + CHILD + SIGNAL_SENT + 4 * WORKFLOW_TASK + stageReports;
  return RUN_ENDS + WORKFLOW_TASK + CATCH_UP_ROUNDS_PER_RUN * perRound;
})();
