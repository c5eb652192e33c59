import {
  ApplicationFailure,
  condition,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  type CancellationScope,
  type ChildWorkflowHandle,
  type Workflow,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { catchUpProgressSignal, type CatchUpProgress } from './engineMessages';
import { FailureType } from '../model/failures';
import {
  batchRollbackSignal,
  operatorMessages,
  STAGE_PROGRESS_DESCRIPTION,
  stagePausedSignal,
  stageProgressSignal,
  STATUS_QUERY_DESCRIPTION,
  statusQuery,
  type OperatorAck,
  type OperatorActionName,
  type OperatorMessage,
  type StageProgress,
} from './messages';
import { resolveStage } from '../model/plan';
import type { ResolvedRolloutInput } from '../model/rollout';
import {
  CATCH_UP,
  emptyCounts,
  type AuditEntry,
  type Decision,
  type DeviceCounts,
  type FinalState,
  type RollbackScope,
  type RolloutState,
  type RolloutStatus,
  type StageStatus,
  recordAudit,
  recordDecision,
} from '../model/status';
import { settleLateRollback } from '../model/gates';
import type { StageSize } from '../model/planMath';
import { judgeRequest, type ControlFacts } from './operatorRequests';
import { rollbackSettings } from './rollbackSettings';
import { renderDashboard } from './rolloutDashboard';
import { RolloutMetrics } from './rolloutMetrics';
import { RolloutSearchAttributes } from './rolloutSearchAttributes';
import { refreshFigures, successRateBetween } from './statusFigures';
import { nowIso } from './workflowTime';
import { FLEET_WIDE } from './activityOptions';

type StopKind = 'rollback' | 'abort';

const { rollbackCohort } = proxyActivities<Activities>({
  ...FLEET_WIDE,
  summary: "roll back a cohort's updated devices and take the rest out of the rollout",
});

/**
 * What operators see and steer in a running rollout: its status and audit trail, and pause,
 * resume, approve, rollback and abort as signals and as updates. The rollout's flow asks it whether
 * to go on; every change is published to the Web UI (current details, search attributes) and to
 * metrics.
 */
export class RolloutControl {
  readonly status: RolloutStatus;
  private paused = false;
  private stopWanted: StopKind | undefined;
  /** An operator asked to roll back the running stage: why, until the rollout has done it. */
  private stageRollback: string | undefined;
  private approval: { stage: string; given: boolean } | undefined;
  private targetsKnown = false;
  private finalState: FinalState | undefined;
  /** The running stage, or the catch-up phase: what pause changes are told to and a stop cancels. */
  private runningStage: { handle: ChildWorkflowHandle<Workflow>; scope: CancellationScope } | undefined;
  private readonly metrics: RolloutMetrics;
  private readonly searchAttributes = new RolloutSearchAttributes();

  constructor(private readonly input: ResolvedRolloutInput) {
    const { plan } = input;
    this.metrics = new RolloutMetrics(plan.rolloutId);
    this.status = {
      rolloutId: plan.rolloutId,
      firmwareVersion: plan.firmware.version,
      state: 'starting',
      devices: emptyCounts(),
      stages: plan.stages.map((stage) => ({ name: stage.name, devices: 0, batches: 0, batchesDone: 0, state: 'pending', counts: emptyCounts() })),
      decisions: [],
      decisionCount: 0,
      audit: [{ at: nowIso(), action: 'start', by: input.startedBy, via: 'start' }],
      auditCount: 1,
    };
  }

  install(): void {
    setHandler(statusQuery, () => this.status, { description: STATUS_QUERY_DESCRIPTION });
    for (const message of Object.values(operatorMessages)) this.installOperatorMessage(message);
    setHandler(stageProgressSignal, (progress) => this.recordProgress(progress), { description: STAGE_PROGRESS_DESCRIPTION });
    setHandler(catchUpProgressSignal, (progress) => this.recordCatchUp(progress), { description: STAGE_PROGRESS_DESCRIPTION });
    this.publish();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get rollbackRequested(): boolean {
    return this.stopWanted === 'rollback';
  }

  /** A rollback or an abort was asked for: start no further stage. */
  get stopRequested(): boolean {
    return this.stopWanted !== undefined;
  }

  /** Why an operator asked to roll back the stage the rollout just cancelled, once; undefined when none did. */
  takeStageRollback(): string | undefined {
    const reason = this.stageRollback;
    this.stageRollback = undefined;
    return reason;
  }

  /** The running stage was rolled back at an operator's request: the rollout pauses until one resumes it. */
  stageRolledBack(index: number, counts: DeviceCounts, reason: string): void {
    const stage = this.stage(index);
    stage.counts = counts;
    stage.state = 'rolled_back';
    this.runningStage = undefined;
    this.pauseForDecision(stage, { at: nowIso(), stage: stage.name, gate: 'operator', action: 'roll_back', reason });
    this.publish();
  }

  /**
   * Resolves once stage `index` may start: not paused and, for a stage the plan marks
   * `advance: manual`, approved by an operator. Also resolves when a rollback or abort was asked for.
   */
  async untilStageMayStart(index: number): Promise<void> {
    if (resolveStage(this.input.plan, index).advance === 'manual') this.askForApproval(this.stage(index));
    await condition(() => this.stopRequested || (!this.paused && this.approval?.given !== false));
    this.approval = undefined;
  }

  targetsSnapshotted(sizes: StageSize[], batchesOf: (index: number, devices: number) => number): void {
    sizes.forEach((size, index) => {
      const stage = this.stage(index);
      stage.devices = size.devices;
      stage.batches = batchesOf(index, size.devices);
      stage.counts = emptyCounts(size.devices);
    });
    this.targetsKnown = true;
    this.publish();
  }

  stageStarted(index: number, handle: ChildWorkflowHandle<Workflow>, scope: CancellationScope): void {
    this.stage(index).state = 'running';
    this.childStarted(this.stage(index).name, handle, scope);
  }

  /** The last stage passed: devices that missed their turn are re-checked until the window closes. */
  catchUpStarted(handle: ChildWorkflowHandle<Workflow>, scope: CancellationScope, windowClosesAt: Date): void {
    this.status.catchUp = { name: CATCH_UP, devices: 0, batches: 0, batchesDone: 0, state: 'running', counts: emptyCounts(), round: 0, windowClosesAt: windowClosesAt.toISOString() };
    this.childStarted(CATCH_UP, handle, scope);
  }

  /** Each stage's devices by where they ended, now that the catch-up phase tried the missed ones again. */
  catchUpEnded(stageCounts: DeviceCounts[]): void {
    stageCounts.forEach((counts, index) => (this.stage(index).counts = counts));
    if (this.status.catchUp) {
      this.status.catchUp.state = 'completed';
      delete this.status.catchUp.nextRecheckAt;
    }
    this.runningStage = undefined;
    this.publish();
  }

  private childStarted(name: string, handle: ChildWorkflowHandle<Workflow>, scope: CancellationScope): void {
    this.status.currentStage = name;
    this.runningStage = { handle, scope };
    this.publish();
    // A pause that arrived while the child was being started reached no stage yet.
    if (this.paused) void this.tellStage(true);
  }

  stageCompleted(index: number, counts: DeviceCounts): void {
    const stage = this.stage(index);
    stage.counts = counts;
    stage.batchesDone = stage.batches;
    stage.state = 'completed';
    this.runningStage = undefined;
    this.publish();
  }

  /** The rollout's own rollback, decided at a gate rather than asked for by an operator. */
  rollBackBecause(decision: Decision): void {
    recordDecision(this.status, decision);
    this.metrics.decisionTaken('gate', decision.action);
    this.stop('rollback');
  }

  rollingBack(): void {
    this.runningStage = undefined;
    this.publish();
  }

  /** The rollout's rollback returned these devices: they count as rolled back in their stages. */
  rolledBack(byStage: Record<string, number>): void {
    for (const stage of this.status.stages) stage.counts = settleLateRollback(stage.counts, byStage[stage.name] ?? 0);
    this.publish();
  }

  /** Ends the rollout's status in its final state and returns that state. */
  finished(): FinalState {
    const final: FinalState = this.stopWanted === 'rollback' ? 'rolled_back' : this.stopWanted === 'abort' ? 'aborted' : 'completed';
    for (const stage of this.allStages()) {
      if (final === 'rolled_back' && stage.state !== 'pending') stage.state = 'rolled_back';
      if (final === 'aborted' && stage.state !== 'pending' && stage.state !== 'completed') stage.state = 'aborted';
    }
    this.finalState = final;
    this.runningStage = undefined;
    delete this.status.currentStage;
    delete this.status.pendingDecision;
    this.publish();
    return final;
  }

  private installOperatorMessage(message: OperatorMessage): void {
    const options = { description: message.description };
    setHandler(message.signal, (raw: unknown) => this.onSignal(message, raw), options);
    setHandler(message.update, (raw: unknown) => this.onUpdate(message, raw), { ...options, validator: (raw: unknown) => void this.acceptedOrThrow(message, raw) });
  }

  /** A signal cannot be refused to its sender, so a refusal goes into the audit trail instead. */
  private async onSignal(message: OperatorMessage, raw: unknown): Promise<void> {
    const verdict = judgeRequest(message, raw, this.facts());
    if ('rejected' in verdict) {
      recordAudit(this.status, { at: nowIso(), action: message.name, by: verdict.by, via: 'signal', rejected: verdict.rejected });
      this.publish();
      return;
    }
    await this.perform(message.name, verdict.request, 'signal');
  }

  private async onUpdate(message: OperatorMessage, raw: unknown): Promise<OperatorAck> {
    const accepted = await this.perform(message.name, this.acceptedOrThrow(message, raw), 'update');
    return { accepted, state: this.status.state };
  }

  /** Throwing an ApplicationFailure rejects just the update; the rollout goes on. */
  private acceptedOrThrow(message: OperatorMessage, raw: unknown) {
    const verdict = judgeRequest(message, raw, this.facts());
    if ('rejected' in verdict) throw ApplicationFailure.nonRetryable(verdict.rejected, FailureType.RequestRejected);
    return verdict.request;
  }

  private async perform(
    action: OperatorActionName,
    request: { by: string; reason?: string | undefined; scope?: RollbackScope },
    via: AuditEntry['via'],
  ): Promise<AuditEntry> {
    const entry: AuditEntry = { at: nowIso(), action, by: request.by, via, ...(request.reason ? { reason: request.reason } : {}) };
    recordAudit(this.status, entry);
    this.metrics.decisionTaken('operator', action);
    switch (action) {
      case 'pause':
        await this.setPaused(true);
        break;
      case 'resume':
        await this.setPaused(false);
        break;
      case 'approve':
        entry.stage = this.approve();
        break;
      case 'rollback':
        entry.scope = request.scope ?? 'all';
        await this.rollBack(entry.scope, `${request.by}: ${request.reason ?? 'no reason given'}`);
        break;
      case 'abort':
        this.stop('abort');
        break;
    }
    return entry;
  }

  private async setPaused(paused: boolean): Promise<void> {
    this.paused = paused;
    if (!paused) this.releaseHeldStage();
    this.publish();
    await this.tellStage(paused);
  }

  /** A failure here must not escape a handler (it would fail the task); a stage that just ended needs no telling. */
  private async tellStage(paused: boolean): Promise<void> {
    await this.runningStage?.handle.signal(stagePausedSignal, { paused }).catch((error: unknown) => log.warn('the stage did not get the pause change', { paused, error }));
  }

  private releaseHeldStage(): void {
    for (const stage of this.allStages()) if (stage.state === 'held') stage.state = 'running';
    if (this.status.pendingDecision?.kind === 'resume_or_roll_back') delete this.status.pendingDecision;
  }

  private askForApproval(stage: StageStatus): void {
    stage.state = 'awaiting_approval';
    this.approval = { stage: stage.name, given: false };
    this.status.currentStage = stage.name;
    this.status.pendingDecision = {
      kind: 'approve_stage',
      stage: stage.name,
      since: nowIso(),
      reason: 'the plan sets advance: manual for this stage',
      options: [operatorMessages.approve.name, operatorMessages.rollback.name, operatorMessages.abort.name],
    };
    this.publish();
  }

  /** Returns the stage approved; the request was judged against `approval`, so it is there. */
  private approve(): string {
    const approval = this.approval!;
    approval.given = true;
    delete this.status.pendingDecision;
    this.publish();
    return approval.stage;
  }

  /**
   * `all` stops the rollout and returns every updated device. A batch or stage rollback pauses the
   * rollout with that part returned; a cohort rollback returns the cohort's updated devices, takes the
   * rest of it out of the rollout and pauses. Resuming goes on with the rest of the plan.
   */
  private async rollBack(scope: RollbackScope, reason: string): Promise<void> {
    if (scope === 'all') return this.stop('rollback');
    if (scope === 'batch') {
      await this.runningStage?.handle.signal(batchRollbackSignal, { reason });
      return;
    }
    if (scope === 'stage') {
      this.stageRollback = reason;
      this.runningStage?.scope.cancel();
      return;
    }
    await this.setPaused(true);
    const cohort = JSON.stringify(scope.cohort);
    const { rolledBack, withdrawn } = await rollbackCohort({ ...rollbackSettings(this.input), cohort: scope.cohort });
    const decision: Decision = { at: nowIso(), stage: this.status.currentStage ?? '', gate: 'operator', action: 'roll_back', reason: `cohort ${cohort}: ${rolledBack} devices returned, ${withdrawn} taken out of the rollout (${reason})` };
    recordDecision(this.status, decision);
    this.publish();
  }

  private stop(kind: StopKind): void {
    this.stopWanted = kind;
    delete this.status.pendingDecision;
    this.publish();
    this.runningStage?.scope.cancel();
  }

  private recordProgress(progress: StageProgress): void {
    const stage = this.status.stages.find((candidate) => candidate.name === progress.stage);
    if (!stage) return;
    const ratio = successRateBetween(stage.counts, progress.counts);
    stage.batchesDone = progress.batchesDone;
    stage.counts = progress.counts;
    if (ratio !== undefined) {
      this.status.lastBatchSuccessRate = ratio;
      this.metrics.batchSucceeded(stage.name, ratio);
    }
    if (stage.state === 'running' && stage.batchesDone >= stage.batches) stage.state = 'monitoring';
    if (progress.decision) this.gateDecided(stage, progress.decision);
    this.publish();
  }

  /** The phase stays `running` from its start to its end; between rounds it shows when it re-checks next. */
  private recordCatchUp({ decision, nextRecheckAt, ...round }: CatchUpProgress): void {
    const catchUp = this.status.catchUp;
    if (!catchUp) return;
    Object.assign(catchUp, round);
    if (nextRecheckAt) catchUp.nextRecheckAt = nextRecheckAt;
    else delete catchUp.nextRecheckAt;
    if (decision) this.gateDecided(catchUp, decision);
    this.publish();
  }

  private gateDecided(stage: StageStatus, decision: Decision): void {
    if (decision.action === 'continue') this.gateReleased(decision);
    else this.gateStopped(stage, decision);
  }

  /** The stage resumed itself: a pause's decision deadline passed with its metrics stable. */
  private gateReleased(decision: Decision): void {
    recordDecision(this.status, decision);
    this.metrics.decisionTaken('gate', decision.action);
    this.paused = false;
    this.releaseHeldStage();
  }

  /** The stage paused itself at a gate; the rollout pauses with it and waits for an operator. */
  private gateStopped(stage: StageStatus, decision: Decision): void {
    this.metrics.decisionTaken('gate', decision.action);
    stage.state = 'held';
    this.pauseForDecision(stage, decision);
  }

  /** Records `decision` and pauses the rollout until an operator resumes, rolls back or aborts it. */
  private pauseForDecision(stage: StageStatus, decision: Decision): void {
    recordDecision(this.status, decision);
    this.paused = true;
    this.status.pendingDecision = {
      kind: 'resume_or_roll_back',
      stage: stage.name,
      since: decision.at,
      reason: `${decision.gate}: ${decision.action.replaceAll('_', ' ')}, ${decision.reason}`,
      options: [operatorMessages.resume.name, operatorMessages.rollback.name, operatorMessages.abort.name],
      ...(decision.deadline ? { deadline: decision.deadline } : {}),
    };
  }

  private facts(): ControlFacts {
    return {
      state: this.status.state,
      awaitingApproval: this.approval && !this.approval.given ? this.approval.stage : undefined,
      stageRunning: this.runningStage !== undefined,
    };
  }

  private currentState(): RolloutState {
    if (this.finalState) return this.finalState;
    if (this.stopWanted === 'rollback') return 'rolling_back';
    if (this.stopWanted === 'abort') return 'aborting';
    if (this.paused) return 'paused';
    if (this.approval && !this.approval.given) return 'awaiting_approval';
    return this.targetsKnown ? 'running' : 'starting';
  }

  /** Brings the derived parts of the status up to date and shows them in the Web UI and metrics. */
  private publish(): void {
    const { status } = this;
    status.state = this.currentState();
    refreshFigures(status);
    setCurrentDetails(renderDashboard(status));
    this.searchAttributes.publish(status);
    this.metrics.deviceCounts(status.devices);
  }

  private allStages(): StageStatus[] {
    return [...this.status.stages, ...(this.status.catchUp ? [this.status.catchUp] : [])];
  }

  private stage(index: number): StageStatus {
    const stage = this.status.stages[index];
    if (!stage) throw new RangeError(`no stage ${index}`);
    return stage;
  }
}
