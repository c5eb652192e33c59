import { condition, setHandler, type CancellationScope, type ChildWorkflowHandle } from '@temporalio/workflow';
import {
  OperatorAction,
  pauseSignal,
  resumeSignal,
  rollbackSignal,
  stagePausedSignal,
  stageProgressSignal,
  statusQuery,
  type StageProgress,
} from '../contracts/messages';
import type { ParsedRolloutInput } from '../contracts/rollout';
import { emptyCounts, type Decision, type RolloutStatus, type StageStatus } from '../contracts/status';
import type { StageSize } from '../domain/planMath';
import type { stageWorkflow } from './stage';

/**
 * What operators see and steer in a running rollout: its status, the audit trail, pause, resume
 * and rollback. The rollout's flow asks it whether to go on; operators change it through messages.
 */
export class RolloutControl {
  readonly status: RolloutStatus;
  private paused = false;
  private rollbackWanted = false;
  private runningStage: { handle: ChildWorkflowHandle<typeof stageWorkflow>; scope: CancellationScope } | undefined;

  constructor(input: ParsedRolloutInput) {
    const { plan } = input;
    this.status = {
      rolloutId: plan.rolloutId,
      firmwareVersion: plan.firmware.version,
      state: 'starting',
      stages: plan.stages.map((stage) => ({ name: stage.name, devices: 0, batches: 0, batchesDone: 0, state: 'pending', counts: emptyCounts() })),
      decisions: [],
      audit: [{ at: now(), action: 'start', by: input.startedBy }],
    };
  }

  install(): void {
    setHandler(statusQuery, () => this.status);
    setHandler(pauseSignal, this.audited('pause', () => this.setPaused(true)));
    setHandler(resumeSignal, this.audited('resume', () => this.setPaused(false)));
    setHandler(rollbackSignal, this.audited('rollback', () => this.requestRollback()));
    setHandler(stageProgressSignal, (progress) => this.recordProgress(progress));
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get rollbackRequested(): boolean {
    return this.rollbackWanted;
  }

  /** Resolves once the rollout may start its next stage, or a rollback was asked for. */
  untilRunnable(): Promise<void> {
    return condition(() => !this.paused || this.rollbackWanted);
  }

  targetsSnapshotted(sizes: StageSize[], batchesOf: (index: number, devices: number) => number): void {
    sizes.forEach((size, index) => {
      const stage = this.stage(index);
      stage.devices = size.devices;
      stage.batches = batchesOf(index, size.devices);
      stage.counts = emptyCounts(size.devices);
    });
    this.status.state = 'running';
  }

  stageStarted(index: number, handle: ChildWorkflowHandle<typeof stageWorkflow>, scope: CancellationScope): void {
    this.status.currentStage = this.stage(index).name;
    this.stage(index).state = 'running';
    this.runningStage = { handle, scope };
  }

  stageCompleted(index: number, counts: StageStatus['counts']): void {
    const stage = this.stage(index);
    stage.counts = counts;
    stage.batchesDone = stage.batches;
    stage.state = 'completed';
    this.runningStage = undefined;
  }

  /** The rollout's own rollback, decided at a gate rather than asked for by an operator. */
  rollBackBecause(decision: Decision): void {
    this.status.decisions.push(decision);
    this.rollbackWanted = true;
  }

  rollingBack(): void {
    this.runningStage = undefined;
    this.status.state = 'rolling_back';
  }

  finished(state: 'completed' | 'rolled_back'): void {
    this.status.state = state;
    if (state === 'rolled_back') for (const stage of this.status.stages) if (stage.state !== 'pending') stage.state = 'rolled_back';
    delete this.status.currentStage;
  }

  private async setPaused(paused: boolean): Promise<void> {
    this.paused = paused;
    if (this.status.state === 'running' || this.status.state === 'paused') this.status.state = paused ? 'paused' : 'running';
    // The stage may have just ended (its last decision raced its completion): nothing left to tell.
    await this.runningStage?.handle.signal(stagePausedSignal, { paused }).catch(() => undefined);
  }

  private requestRollback(): void {
    this.rollbackWanted = true;
    this.runningStage?.scope.cancel();
  }

  private async recordProgress(progress: StageProgress): Promise<void> {
    const stage = this.status.stages.find((candidate) => candidate.name === progress.stage);
    if (!stage) return;
    stage.batchesDone = progress.batchesDone;
    stage.counts = progress.counts;
    if (progress.decision) {
      this.status.decisions.push(progress.decision);
      const goesOn = progress.decision.action === 'continue';
      stage.state = goesOn ? 'running' : 'held';
      await this.setPaused(!goesOn);
    }
  }

  private audited(action: string, handler: () => Promise<void> | void) {
    return async (raw: OperatorAction) => {
      const operator = OperatorAction.parse(raw);
      this.status.audit.push({ at: now(), action, by: operator.by, ...(operator.reason ? { reason: operator.reason } : {}) });
      await handler();
    };
  }

  private stage(index: number): StageStatus {
    const stage = this.status.stages[index];
    if (!stage) throw new RangeError(`no stage ${index}`);
    return stage;
  }
}

export const now = (): string => new Date().toISOString();
