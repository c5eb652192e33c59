import {
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
import type { StageHealth } from '../activities/health';
import { batchProgressSignal } from '../contracts/engineMessages';
import { batchWorkflowId } from '../contracts/ids';
import { stagePausedSignal, stageProgressSignal, type StageProgress } from '../contracts/messages';
import type { ResolvedStage, RetrySettings } from '../contracts/plan';
import type { Decision, DeviceCounts } from '../contracts/status';
import { emptyCounts } from '../contracts/status';
import { batchGate, settleBatch, settleRollback, type GateVerdict } from '../domain/gates';
import { HEALTH_POLLS_PER_RUN, PROGRESS_REPORTS_PER_STAGE } from '../domain/historyBudget';
import { fitsConcurrency, pipelineReady, stillInFlight, type BatchInFlight } from '../domain/pipelining';
import type { PreflightRules } from '../domain/preflight';
import { batchCount, batchRange, scaled } from '../domain/planMath';
import type { FirmwareRef } from '../fleet/provider';
import { batchWorkflow } from './batch';

export interface StageInput {
  rolloutId: string;
  rolloutWorkflowId: string;
  stageIndex: number;
  stage: ResolvedStage;
  devices: number;
  firmware: FirmwareRef;
  retry: RetrySettings;
  preflight: PreflightRules;
  speedup: number;
  paused: boolean;
  /** Carried across continue-as-new. */
  progress?: StageRunProgress;
}

interface StageRunProgress {
  nextBatch: number;
  counts: DeviceCounts;
  /** Present once the monitoring window has begun. */
  monitoring?: { pollsDone: number; health?: StageHealth };
}

export interface StageResult {
  stage: string;
  devices: number;
  counts: DeviceCounts;
  health: StageHealth | undefined;
}

/**
 * Health polls never come faster than this in real time, whatever the speed-up: a demo playing a
 * 6-hour window in 18 s polls 18 times, not 360. At speed-up 1 the plan's interval always wins.
 */
const MIN_REAL_HEALTH_POLL_MS = 1_000;


const { checkStageHealth, rollbackBatch } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

interface RunningBatch extends BatchInFlight {
  index: number;
  scope: CancellationScope;
  timedOut: boolean;
}

/**
 * One stage of a rollout. Batches start a durable gap apart; the next one may start before the
 * current one ends (once enough of it is downloaded), but never beyond `maxConcurrent` devices in
 * flight. Each batch is judged by the batch gate when it ends or times out; then a monitoring window
 * of periodic health polls follows. A run starts at most `batchesPerRun` batches and the window runs
 * in runs of its own, each continued as new, so every run's history is bounded whatever the stage's size.
 */
export async function stageWorkflow(input: StageInput): Promise<StageResult> {
  const run = new StageRun(input);
  run.install();
  await run.batches();
  const health = await run.monitor();
  return { stage: input.stage.name, devices: input.devices, counts: run.counts, health };
}

class StageRun {
  counts: DeviceCounts;
  private paused: boolean;
  private readonly running = new Map<number, RunningBatch>();
  private readonly batchTotal: number;
  private readonly reportEvery: number;
  private readonly firstBatchOfRun: number;
  private batchesDone = 0;

  constructor(private readonly input: StageInput) {
    this.paused = input.paused;
    this.counts = input.progress?.counts ?? emptyCounts(input.devices);
    this.batchTotal = batchCount(input.devices, input.stage.batchSize);
    this.firstBatchOfRun = input.progress?.nextBatch ?? 0;
    this.batchesDone = this.firstBatchOfRun;
    this.reportEvery = Math.max(1, Math.ceil(this.batchTotal / PROGRESS_REPORTS_PER_STAGE));
  }

  install(): void {
    setHandler(stagePausedSignal, ({ paused }) => void (this.paused = paused));
    setHandler(batchProgressSignal, ({ batchIndex, reachedMilestone, counts, timedOut }) => {
      const batch = this.running.get(batchIndex);
      if (batch && !batch.ended) Object.assign(batch, { reachedMilestone, counts, timedOut });
    });
  }

  async batches(): Promise<void> {
    const { stage } = this.input;
    const judged: Promise<void>[] = [];
    for (let index = this.firstBatchOfRun; index < this.batchTotal; index++) {
      if (workflowInfo().continueAsNewSuggested || index - this.firstBatchOfRun >= stage.batchesPerRun) {
        await Promise.all(judged);
        await this.continueAsNew({ nextBatch: index, counts: this.counts });
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
      condition(() => !previous || pipelineReady(previous, stage.pipelineFraction)),
    ]);
    await condition(() => !this.paused && fitsConcurrency(this.inFlight(), devices, stage.maxConcurrent));
  }

  private inFlight(): number {
    return [...this.running.values()].reduce((total, batch) => total + stillInFlight(batch), 0);
  }

  private async runBatch(index: number, range: { offset: number; devices: number }): Promise<void> {
    const { stage } = this.input;
    const scope = new CancellationScope();
    const batch: RunningBatch = { index, scope, devices: range.devices, reachedMilestone: 0, counts: emptyCounts(range.devices), ended: false, timedOut: false };
    this.running.set(index, batch);
    const result = scope.run(() => this.startBatch(index, range).then((handle) => handle.result()));
    const ended = result.then(
      (final) => Object.assign(batch, { counts: final.counts, ended: true }),
      (error: unknown) => {
        batch.ended = true;
        if (!isCancellation(error)) throw error;
      },
    );
    await condition(() => batch.ended || batch.timedOut);
    const verdict = batchGate(batch.counts, stage, { final: batch.ended });
    if (verdict.action === 'roll_back') {
      if (!batch.ended) scope.cancel();
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
      workflowId: batchWorkflowId(this.input.rolloutId, this.input.stage.name, index),
      args: [{ ...shared, batchIndex: index, offset: range.offset, devices: range.devices }],
      staticSummary: `${this.input.stage.name}: batch ${index + 1}, ${range.devices} devices`,
    });
  }

  private async rollBack(batch: RunningBatch): Promise<void> {
    const { stage, speedup, rolloutId, stageIndex } = this.input;
    const range = batchRange(this.input.devices, stage.batchSize, batch.index);
    const { rolledBack } = await rollbackBatch({
      rolloutId,
      stageIndex,
      offset: range.offset,
      devices: range.devices,
      maxConcurrent: stage.maxConcurrent,
      maxPollIntervalMs: scaled(stage.healthCheckInterval, speedup),
    });
    batch.counts = settleRollback(batch.counts, rolledBack);
  }

  /** A held or rolled-back batch pauses the stage and tells the rollout why; operators resume it. */
  private async afterGate(index: number, verdict: GateVerdict): Promise<void> {
    const isLast = this.batchesDone === this.batchTotal;
    if (verdict.action === 'continue') {
      if (isLast || this.batchesDone % this.reportEvery === 0) await this.report();
      return;
    }
    this.paused = true;
    await this.report({
      at: new Date().toISOString(),
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

  /**
   * Waits out the monitoring window on durable timers, polling stage health every interval. The
   * window starts in a run of its own, so a run never holds both batches and polls.
   */
  async monitor(): Promise<StageHealth | undefined> {
    const { stage, speedup } = this.input;
    const pollEvery = Math.max(stage.healthCheckInterval, MIN_REAL_HEALTH_POLL_MS * speedup);
    const polls = Math.max(1, Math.floor(stage.monitorWindow / pollEvery));
    const interval = scaled(stage.monitorWindow / polls, speedup);
    const firstPollOfRun = this.input.progress?.monitoring?.pollsDone ?? 0;
    let health = this.input.progress?.monitoring?.health;
    for (let poll = firstPollOfRun + 1; poll <= polls; poll++) {
      const ranBatches = this.batchesDone > this.firstBatchOfRun;
      if (ranBatches || workflowInfo().continueAsNewSuggested || poll - 1 - firstPollOfRun >= HEALTH_POLLS_PER_RUN) {
        await this.continueAsNew({ nextBatch: this.batchTotal, counts: this.counts, monitoring: { pollsDone: poll - 1, health } });
      }
      await sleep(interval, { summary: `monitoring ${stage.name}: health check ${poll} of ${polls}` });
      health = await checkStageHealth({
        rolloutId: this.input.rolloutId,
        stageIndex: this.input.stageIndex,
        devices: this.input.devices,
        firmwareVersion: this.input.firmware.version,
      });
    }
    return health;
  }

  private continueAsNew(progress: StageRunProgress): Promise<never> {
    return continueAsNew<typeof stageWorkflow>({ ...this.input, paused: this.paused, progress });
  }
}
