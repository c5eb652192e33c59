import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { batchProgressSignal } from './engineMessages';
import { batchWorkflowId } from '../model/ids';
import { batchRollbackSignal, stagePausedSignal, stageProgressSignal, type StageProgress } from './messages';
import type { HealthSettings, ResolvedStage, RetrySettings } from '../model/plan';
import type { Decision, DeviceCounts } from '../model/status';
import { emptyCounts } from '../model/status';
import { batchGate, settleBatch, settleLateRollback, settleRollback, type GateVerdict } from '../model/gates';
import { PROGRESS_REPORTS_PER_STAGE } from '../model/historyBudget';
import { fitsConcurrency, pipelineReady, stillInFlight, type BatchInFlight } from '../model/pipelining';
import type { CohortWindow } from '../model/maintenanceWindow';
import { healthTarget, rollbackTarget, type DeviceChange } from '../model/deviceChange';
import { batchCount, batchRange, scaled } from '../model/planMath';
import { batchWorkflow } from './batch';
import { monitorStage, type MonitorOutcome, type MonitorProgress, type StagePauses } from './monitoring';
import { nowIso } from './workflowTime';
import { BATCH_ROLLBACK } from './activityOptions';
import type { Priority } from '../model/budget';

export type StageInput = StageSettingsInput & DeviceChange;

export interface StageSettingsInput {
  rolloutId: string;
  /** Where the stage reports its progress: its rollout, or for a catch-up round the catch-up phase. */
  rolloutWorkflowId: string;
  stageIndex: number;
  stage: ResolvedStage;
  devices: number;
  retry: RetrySettings;
  health: HealthSettings;
  maintenanceWindows: CohortWindow[];
  speedup: number;
  paused: boolean;
  /** Stages of the rollout with a monitoring window, which share the health policy's α. */
  monitoredStages?: number;
  /** Runs the stage's batches up to this one (exclusive), for a stage taken in two parts. */
  untilBatch?: number;
  /** Carried across continue-as-new, and into a stage's second part. */
  progress?: StageRunProgress;
  /** A round of the catch-up phase: its batches update the round's list of devices. */
  catchUpRound?: number;
  /** The rollout's place in the fleet budget's queue. */
  priority?: Priority;
}

interface StageRunProgress {
  nextBatch: number;
  counts: DeviceCounts;
  /** Present once the monitoring window has begun. */
  monitoring?: MonitorProgress;
}

export interface StageResult {
  stage: string;
  devices: number;
  counts: DeviceCounts;
  /** Batches run so far: where a second part of the stage starts. */
  batchesDone: number;
  monitoring: MonitorOutcome;
}

const { rollbackBatch } = proxyActivities<Activities>(BATCH_ROLLBACK);

interface RunningBatch extends BatchInFlight {
  index: number;
  scope: CancellationScope;
  /** The batch gate has spoken: a hold or rollback has already paused the stage. */
  judged: boolean;
  /** The batch says its timeout passed with updates still going. */
  timedOut: boolean;
  /** Why an operator asked to roll this batch back, if one did. */
  rollbackRequested?: string;
}

/**
 * One stage of a rollout. Batches start a durable gap apart; the next one may start before the
 * current one ends (once enough of it is downloaded), but never beyond `maxConcurrent` devices in
 * flight. Each batch is judged by the batch gate when it ends or times out; then a monitoring window
 * of periodic health polls follows.
 */
export async function stageWorkflow(input: StageInput): Promise<StageResult> {
  const run = new StageRun(input);
  run.install();
  await run.batches();
  // A gate that held or rolled back the last batch waits for an operator like any other: monitoring is no verdict on it.
  await condition(() => !run.isPaused());
  const monitoring: MonitorOutcome = needsMonitoring(input, run) ? await monitor(input, run) : { verdict: 'passed', health: undefined };
  await condition(allHandlersFinished);
  return { stage: input.stage.name, devices: input.devices, counts: run.counts, batchesDone: run.batchesDone, monitoring };
}

/**
 * A catch-up round updates a firmware that every stage's monitoring window has judged already; a
 * stage none of whose devices runs the new firmware (all rolled back, failed or deferred) has nothing to watch.
 */
const needsMonitoring = (input: StageInput, run: StageRun): boolean => input.catchUpRound === undefined && run.counts.succeeded > 0;

async function monitor(input: StageInput, run: StageRun): Promise<MonitorOutcome> {
  await run.continueAsNewBeforeMonitoring();
  return monitorStage(
    {
      rolloutId: input.rolloutId,
      stage: input.stage,
      ...healthTarget(input),
      health: input.health,
      speedup: input.speedup,
      monitoredStages: input.monitoredStages ?? 1,
    },
    run,
    input.progress?.monitoring ?? { pollsDone: 0, silentBefore: [] },
    (monitoring) => run.continueAsNew(run.batchesDone, monitoring),
  );
}

class StageRun implements StagePauses {
  counts: DeviceCounts;
  private paused: boolean;
  private readonly running = new Map<number, RunningBatch>();
  private readonly batchTotal: number;
  private readonly reportEvery: number;
  batchesDone = 0;
  private readonly firstBatchOfRun: number;

  constructor(private readonly input: StageInput) {
    this.paused = input.paused;
    this.counts = input.progress?.counts ?? emptyCounts(input.devices);
    this.batchTotal = Math.min(input.untilBatch ?? Infinity, batchCount(input.devices, input.stage.batchSize));
    this.firstBatchOfRun = input.progress?.nextBatch ?? 0;
    this.batchesDone = this.firstBatchOfRun;
    this.reportEvery = Math.max(1, Math.ceil(this.batchTotal / PROGRESS_REPORTS_PER_STAGE));
  }

  install(): void {
    setHandler(stagePausedSignal, ({ paused }) => void (this.paused = paused));
    setHandler(batchRollbackSignal, ({ reason }) => this.rollBackLatestBatch(reason));
    setHandler(batchProgressSignal, ({ batchIndex, reachedMilestone, counts, timedOut }) => {
      const batch = this.running.get(batchIndex);
      if (batch && !batch.ended) Object.assign(batch, { reachedMilestone, counts, timedOut });
    });
  }

  isPaused(): boolean {
    return this.paused;
  }

  async pause(decision: Decision): Promise<void> {
    this.paused = true;
    await this.report(decision);
  }

  async resume(decision: Decision): Promise<void> {
    this.paused = false;
    await this.report(decision);
  }

  async batches(): Promise<void> {
    const { stage } = this.input;
    const judged: Promise<void>[] = [];
    for (let index = this.firstBatchOfRun; index < this.batchTotal; index++) {
      if (workflowInfo().continueAsNewSuggested || index - this.firstBatchOfRun >= stage.batchesPerRun) {
        await Promise.all(judged);
        await this.continueAsNew(index);
      }
      await condition(() => !this.paused);
      const range = batchRange(this.input.devices, stage.batchSize, index);
      if (index > 0) await this.untilNextBatchMayStart(index, range.devices);
      const batch = this.runBatch(index, range);
      // Awaited below; handled here too so a cancellation while the loop waits is not "unhandled".
      batch.catch(() => undefined);
      judged.push(batch);
    }
    await Promise.all(judged);
  }

  private async untilNextBatchMayStart(index: number, devices: number): Promise<void> {
    const { stage, speedup } = this.input;
    const previous = this.running.get(index - 1);
    await Promise.all([
      sleep(scaled(stage.batchGap, speedup), { summary: `gap before batch ${index + 1} of ${stage.name}` }),
      // Pipelining starts early only while the previous batch runs; once it ended, its gate decides.
      condition(() => !previous || previous.judged || (!previous.ended && pipelineReady(previous, stage.pipelineFraction, stage.successThreshold))),
    ]);
    await condition(() => !this.paused && fitsConcurrency(this.inFlight(), devices, stage.maxConcurrent));
  }

  private inFlight(): number {
    return [...this.running.values()].reduce((total, batch) => total + stillInFlight(batch), 0);
  }

  private async runBatch(index: number, range: { offset: number; devices: number }): Promise<void> {
    const { stage } = this.input;
    const scope = new CancellationScope();
    const batch: RunningBatch = { index, scope, devices: range.devices, reachedMilestone: 0, counts: emptyCounts(range.devices), ended: false, judged: false, timedOut: false };
    this.running.set(index, batch);
    const result = scope.run(() => this.startBatch(index, range).then((handle) => handle.result()));
    const ended = result.then(
      (final) => Object.assign(batch, { counts: final.counts, ended: true }),
      (error: unknown) => {
        batch.ended = true;
        if (!isCancellation(error)) throw error;
      },
    );
    // The batch times itself out: only it knows its exact counts at that moment.
    await condition(() => batch.ended || batch.timedOut || batch.rollbackRequested !== undefined);
    const endedInTime = batch.ended;
    const verdict: GateVerdict = batch.rollbackRequested
      ? { action: 'roll_back', reason: batch.rollbackRequested }
      : batchGate(batch.counts, stage, { final: endedInTime });
    if (verdict.action !== 'continue') this.paused = true;
    batch.judged = true;
    if (verdict.action === 'roll_back') {
      if (!endedInTime) scope.cancel();
      await ended;
      await this.rollBack(batch);
    } else {
      await ended;
    }
    this.running.delete(index);
    this.counts = settleBatch(this.counts, batch.counts);
    this.batchesDone += 1;
    await this.afterGate(index, verdict);
  }

  private startBatch(index: number, range: { offset: number; devices: number }) {
    const { progress: _progress, paused: _paused, rolloutWorkflowId: _parent, ...shared } = this.input;
    return startChild(batchWorkflow, {
      workflowId: batchWorkflowId(this.input.rolloutId, this.input.stage.name, index, this.input.catchUpRound),
      args: [{ ...shared, batchIndex: index, offset: range.offset, devices: range.devices }],
      staticSummary: `${this.input.stage.name}: batch ${index + 1}, ${range.devices} devices`,
    });
  }

  /**
   * An operator's rollback of the current batch: the latest running one is judged at once with that
   * verdict; with none running, the latest that ran is rolled back and the stage pauses.
   */
  private async rollBackLatestBatch(reason: string): Promise<void> {
    const running = [...this.running.values()].at(-1);
    if (running) {
      running.rollbackRequested = reason;
      return;
    }
    if (this.batchesDone === 0) return;
    const index = this.batchesDone - 1;
    this.counts = settleLateRollback(this.counts, await this.rollBackRange(index));
    await this.afterGate(index, { action: 'roll_back', reason });
  }

  private async rollBack(batch: RunningBatch): Promise<void> {
    batch.counts = settleRollback(batch.counts, await this.rollBackRange(batch.index));
  }

  /** Rolls back batch `index`'s devices; returns how many went back. */
  private async rollBackRange(index: number): Promise<number> {
    const { stage, speedup, rolloutId, stageIndex, catchUpRound } = this.input;
    const range = batchRange(this.input.devices, stage.batchSize, index);
    const { rolledBack } = await rollbackBatch({
      rolloutId,
      stageIndex,
      catchUpRound,
      offset: range.offset,
      devices: range.devices,
      maxConcurrent: stage.maxConcurrent,
      maxPollIntervalMs: scaled(stage.healthCheckInterval, speedup),
      ...rollbackTarget(this.input),
    });
    return rolledBack;
  }

  /** A held or rolled-back batch pauses the stage and tells the rollout why; operators resume it. */
  private async afterGate(index: number, verdict: GateVerdict): Promise<void> {
    const isLast = this.batchesDone === batchCount(this.input.devices, this.input.stage.batchSize);
    if (verdict.action === 'continue') {
      if (isLast || this.batchesDone % this.reportEvery === 0) await this.report();
      return;
    }
    await this.pause({
      at: nowIso(),
      stage: this.input.stage.name,
      gate: `batch ${index + 1}`,
      action: verdict.action === 'hold' ? 'hold' : 'roll_back',
      reason: verdict.reason,
    });
  }

  private async report(decision?: Decision): Promise<void> {
    const progress: StageProgress = { stage: this.input.stage.name, batchesDone: this.batchesDone, counts: this.counts, ...(decision ? { decision } : {}) };
    await getExternalWorkflowHandle(this.input.rolloutWorkflowId).signal(stageProgressSignal, progress);
  }

  /** The monitoring window runs in a run of its own, so no run holds both batches and health polls. */
  async continueAsNewBeforeMonitoring(): Promise<void> {
    if (this.batchesDone > this.firstBatchOfRun) await this.continueAsNew(this.batchesDone);
  }

  /** A pause or rollback request still being handled would be lost with this run: let it finish first. */
  async continueAsNew(nextBatch: number, monitoring?: MonitorProgress): Promise<never> {
    await condition(allHandlersFinished);
    const progress: StageRunProgress = { nextBatch, counts: this.counts, ...(monitoring ? { monitoring } : {}) };
    return continueAsNew<typeof stageWorkflow>({ ...this.input, paused: this.paused, progress });
  }
}
