import { condition, log, proxyActivities, setHandler, type CancellationScope, type ChildWorkflowHandle, type Workflow } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { catchUpProgressSignal, type CatchUpProgress } from './engineMessages';
import { batchRollbackSignal, STAGE_PROGRESS_DESCRIPTION, stagePausedSignal, stageProgressSignal, STATUS_QUERY_DESCRIPTION, statusQuery, type OperatorActionName, type StageProgress } from './messages';
import { resolveStage } from '../model/plan';
import type { ResolvedRolloutInput } from '../model/rollout';
import { statusTarget } from '../model/deviceChange';
import { CATCH_UP, emptyCounts, recordDecision, type AuditEntry, type Decision, type DeviceCounts, type FinalState, type RollbackScope, type RolloutStatus, type StageStatus } from '../model/status';
import { settleLateRollback } from '../model/gates';
import type { CohortSelector } from '../model/cohorts';
import type { StageSize } from '../model/planMath';
import { OperatorRequests, type AcceptedRequest, type ControlFacts } from './operatorRequests';
import { rollbackSettings } from './rollbackSettings';
import { RolloutAlerts } from './rolloutAlerts';
import { RolloutPublisher } from './rolloutPublisher';
import { RolloutStates, type StopKind } from './rolloutStates';
import { successRateBetween } from './statusFigures';
import { nowIso } from './workflowTime';
import { FLEET_WIDE } from './activityOptions';
import type { ClaimedElsewhere } from '../model/deviceClaims';

const { rollbackCohort } = proxyActivities<Activities>({
  ...FLEET_WIDE,
  summary: "roll back a cohort's updated devices and take the rest out of the rollout",
});

/**
 * What operators see and steer in a running rollout. The rollout's flow asks it whether to go on and
 * tells it what happened; it keeps the states (RolloutStates), takes operator requests
 * (OperatorRequests), relays pauses and rollbacks to the running stage, and publishes every change
 * (RolloutPublisher).
 */
export class RolloutControl {
  readonly status: RolloutStatus;
  /** What operators are told through the plan's webhooks. */
  readonly alerts: RolloutAlerts;
  private readonly states: RolloutStates;
  private readonly publisher: RolloutPublisher;
  private readonly requests: OperatorRequests;
  /** The running stage, or the catch-up phase: what pause changes are told to and a stop cancels. */
  private runningStage: { handle: ChildWorkflowHandle<Workflow>; scope: CancellationScope } | undefined;

  constructor(private readonly input: ResolvedRolloutInput) {
    const { plan } = input;
    this.status = {
      rolloutId: plan.rolloutId,
      ...statusTarget(plan),
      state: 'starting',
      devices: emptyCounts(),
      stages: plan.stages.map((stage) => ({ name: stage.name, devices: 0, batches: 0, batchesDone: 0, state: 'pending', counts: emptyCounts() })),
      decisions: [],
      decisionCount: 0,
      audit: [{ at: nowIso(), action: 'start', by: input.startedBy, ...(input.identity ? { identity: input.identity } : {}), via: 'start' }],
      auditCount: 1,
    };
    this.states = new RolloutStates(this.status);
    this.alerts = new RolloutAlerts(input);
    this.publisher = new RolloutPublisher(plan.rolloutId);
    this.requests = new OperatorRequests(this.status, {
      facts: () => this.facts(),
      perform: (action, request, entry) => this.perform(action, request, entry),
      refused: () => this.publish(),
    });
  }

  install(): void {
    setHandler(statusQuery, () => this.status, { description: STATUS_QUERY_DESCRIPTION });
    this.requests.install();
    setHandler(stageProgressSignal, (progress) => this.recordProgress(progress), { description: STAGE_PROGRESS_DESCRIPTION });
    setHandler(catchUpProgressSignal, (progress) => this.recordCatchUp(progress), { description: STAGE_PROGRESS_DESCRIPTION });
    this.publish();
  }

  get isPaused(): boolean {
    return this.states.isPaused;
  }

  get rollbackRequested(): boolean {
    return this.states.rollbackRequested;
  }

  /** A rollback or an abort was asked for: start no further stage. */
  get stopRequested(): boolean {
    return this.states.stopRequested;
  }

  /** Why an operator asked to roll back the stage the rollout just cancelled, once; undefined when none did. */
  takeStageRollback(): string | undefined {
    return this.states.takeStageRollback();
  }

  /** The running stage was rolled back at an operator's request: the rollout pauses until one resumes it. */
  stageRolledBack(index: number, counts: DeviceCounts, reason: string): void {
    this.states.stageRolledBack(index, counts, reason);
    this.runningStage = undefined;
    this.publish();
    this.alerts.raise({ kind: 'rolled_back', scope: `stage ${this.status.stages[index]!.name}`, devices: counts.rolled_back });
  }

  /**
   * Resolves once stage `index` may start: not paused and, for a stage the plan marks
   * `advance: manual`, approved by an operator. Also resolves when a rollback or abort was asked for.
   */
  async untilStageMayStart(index: number): Promise<void> {
    if (resolveStage(this.input.plan, index).advance === 'manual') {
      this.states.askForApproval(index);
      this.publish();
      this.alerts.raise({ kind: 'waiting_for_approval', stage: resolveStage(this.input.plan, index).name });
    }
    await condition(() => this.states.mayGoOn);
    this.states.stageStarting();
  }

  targetsSnapshotted(sizes: StageSize[], batchesOf: (index: number, devices: number) => number, claimedElsewhere: ClaimedElsewhere[] = []): void {
    this.states.targetsSnapshotted(sizes, batchesOf, claimedElsewhere);
    this.publish();
  }

  stageStarted(index: number, handle: ChildWorkflowHandle<Workflow>, scope: CancellationScope): void {
    this.states.stageStarted(index);
    this.childStarted(this.status.stages[index]!.name, handle, scope);
  }

  /** The last stage passed: devices that missed their turn are re-checked until the window closes. */
  catchUpStarted(handle: ChildWorkflowHandle<Workflow>, scope: CancellationScope, windowClosesAt: Date): void {
    this.states.catchUpStarted(windowClosesAt);
    this.childStarted(CATCH_UP, handle, scope);
  }

  /** Each stage's devices by where they ended, now that the catch-up phase tried the missed ones again. */
  catchUpEnded(stageCounts: DeviceCounts[]): void {
    this.states.catchUpEnded(stageCounts);
    this.runningStage = undefined;
    this.publish();
  }

  stageCompleted(index: number, counts: DeviceCounts): void {
    this.states.stageCompleted(index, counts);
    this.runningStage = undefined;
    this.publish();
  }

  /** The rollout's own rollback, decided at a gate rather than asked for by an operator. */
  rollBackBecause(decision: Decision): void {
    recordDecision(this.status, decision);
    this.publisher.metrics.decisionTaken('gate', decision.action);
    this.stop('rollback');
  }

  /** A health finding quarantined the firmware, for a cohort (`attribute=value`) or for all. */
  firmwareQuarantined(cohort?: string): void {
    this.publisher.metrics.firmwareQuarantined(cohort ?? 'all');
    this.alerts.raise({ kind: 'firmware_quarantined', firmwareVersion: this.status.firmwareVersion, ...(cohort ? { cohort } : {}) });
  }

  rollingBack(): void {
    this.runningStage = undefined;
    this.publish();
  }

  /** The rollout's rollback returned these devices: they count as rolled back in their stages. */
  rolledBack(byStage: Record<string, number>): void {
    for (const stage of this.status.stages) stage.counts = settleLateRollback(stage.counts, byStage[stage.name] ?? 0);
    this.publish();
    this.alerts.raise({ kind: 'rolled_back', scope: 'all', devices: Object.values(byStage).reduce((sum, devices) => sum + devices, 0) });
  }

  /** Ends the rollout's status in its final state and returns that state. */
  finished(): FinalState {
    const final = this.states.finished();
    this.runningStage = undefined;
    this.publish();
    return final;
  }

  private childStarted(name: string, handle: ChildWorkflowHandle<Workflow>, scope: CancellationScope): void {
    this.status.currentStage = name;
    this.runningStage = { handle, scope };
    this.publish();
    // A pause that arrived while the child was being started reached no stage yet.
    if (this.states.isPaused) void this.tellStage(true);
  }

  private async perform(action: OperatorActionName, request: AcceptedRequest, entry: AuditEntry): Promise<void> {
    this.publisher.metrics.decisionTaken('operator', action);
    switch (action) {
      case 'pause':
        await this.setPaused(true);
        break;
      case 'resume':
        await this.setPaused(false);
        break;
      case 'approve':
        entry.stage = this.states.approve();
        this.publish();
        break;
      case 'rollback':
        entry.scope = request.scope ?? 'all';
        await this.rollBack(entry.scope, `${request.by}: ${request.reason ?? 'no reason given'}`);
        break;
      case 'abort':
        this.stop('abort');
        break;
    }
  }

  private async setPaused(paused: boolean): Promise<void> {
    this.states.setPaused(paused);
    this.publish();
    await this.tellStage(paused);
  }

  /** A failure here must not escape a handler (it would fail the task); a stage that just ended needs no telling. */
  private async tellStage(paused: boolean): Promise<void> {
    await this.runningStage?.handle.signal(stagePausedSignal, { paused }).catch((error: unknown) => log.warn('the stage did not get the pause change', { paused, error }));
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
      this.states.requestStageRollback(reason);
      this.runningStage?.scope.cancel();
      return;
    }
    await this.rollBackCohort(scope.cohort, { at: nowIso(), stage: this.status.currentStage ?? '', gate: 'operator', action: 'roll_back', reason });
  }

  /**
   * Pauses the rollout, returns the cohort's updated devices and takes the rest of it out of the
   * rollout; the decision, with what was returned, waits for an operator (or its deadline).
   */
  async rollBackCohort(cohort: CohortSelector, decision: Decision): Promise<void> {
    await this.setPaused(true);
    const { rolledBack, withdrawn } = await rollbackCohort({ ...rollbackSettings(this.input), cohort });
    const returned = `cohort ${JSON.stringify(cohort)}: ${rolledBack} devices returned, ${withdrawn} taken out of the rollout`;
    // An operator's request was counted when it was taken.
    if (decision.gate !== 'operator') this.publisher.metrics.decisionTaken('gate', decision.action);
    const taken = { ...decision, reason: `${returned} (${decision.reason})` };
    this.states.cohortRolledBack(taken);
    this.publish();
    this.alerts.raise({ kind: 'rolled_back', scope: `cohort ${JSON.stringify(cohort)}`, devices: rolledBack });
    if (decision.gate !== 'operator') this.alertPaused(taken);
  }

  /** A decision's deadline passed with nobody deciding, and the gate lets the rollout go on. */
  async resumeAfterDeadline(decision: Decision): Promise<void> {
    recordDecision(this.status, decision);
    this.publisher.metrics.decisionTaken('gate', decision.action);
    await this.setPaused(false);
  }

  private stop(kind: StopKind): void {
    this.states.stop(kind);
    this.publish();
    this.runningStage?.scope.cancel();
  }

  private recordProgress({ stage: name, batchesDone, counts, decision }: StageProgress): void {
    const reported = this.states.stageReported(name, batchesDone, counts);
    if (!reported) return;
    const ratio = successRateBetween(reported.before, counts);
    if (ratio !== undefined) {
      this.status.lastBatchSuccessRate = ratio;
      this.publisher.metrics.batchSucceeded(name, ratio);
    }
    if (decision) this.gateDecided(reported.stage, decision);
    this.publish();
  }

  private recordCatchUp(progress: CatchUpProgress): void {
    const catchUp = this.states.catchUpReported(progress);
    if (!catchUp) return;
    if (progress.decision) this.gateDecided(catchUp, progress.decision);
    this.publish();
  }

  private gateDecided(stage: StageStatus, decision: Decision): void {
    this.publisher.metrics.decisionTaken('gate', decision.action);
    this.states.gateDecided(stage, decision);
    if (decision.action !== 'continue') this.alertPaused(decision);
  }

  /** A gate paused the rollout: operators hear the decision, and again as its deadline nears while it still waits. */
  private alertPaused(decision: Decision): void {
    const stillWaiting = () => this.status.pendingDecision?.since === decision.at && this.status.state === 'paused';
    this.alerts.paused(`${decision.gate} (stage ${decision.stage})`, decision, stillWaiting);
  }

  private facts(): ControlFacts {
    return { state: this.status.state, awaitingApproval: this.states.awaitingApproval, stageRunning: this.runningStage !== undefined };
  }

  /** Brings the status's state up to date and publishes the status. */
  private publish(): void {
    this.status.state = this.states.current();
    this.publisher.publish(this.status);
  }
}
