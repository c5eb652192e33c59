import {
  CATCH_UP,
  emptyCounts,
  recordDecision,
  type Decision,
  type DeviceCounts,
  type FinalState,
  type RolloutState,
  type RolloutStatus,
  type StageStatus,
} from '../model/status';
import type { StageSize } from '../model/planMath';
import type { CatchUpProgress } from './engineMessages';
import { operatorMessages } from './messages';
import { nowIso } from './workflowTime';
import type { ClaimedElsewhere } from '../model/deviceClaims';

export type StopKind = 'rollback' | 'abort';

/**
 * Where the rollout and each of its stages stand: paused or not, a stop asked for, a stage waiting
 * for approval, and the status rows that show it. It only changes the status: telling the running
 * stage and publishing the change are the control's.
 */
export class RolloutStates {
  private paused = false;
  private stopWanted: StopKind | undefined;
  /** An operator asked to roll back the running stage: why, until the rollout has done it. */
  private stageRollback: string | undefined;
  private approval: { stage: string; given: boolean } | undefined;
  private targetsKnown = false;
  private finalState: FinalState | undefined;

  constructor(private readonly status: RolloutStatus) {}

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

  /** The stage that waits for an operator's approve and has not had it yet. */
  get awaitingApproval(): string | undefined {
    return this.approval && !this.approval.given ? this.approval.stage : undefined;
  }

  /** Not paused nor waiting for approval, or stopping: the rollout's flow goes on. */
  get mayGoOn(): boolean {
    return this.stopRequested || (!this.paused && this.approval?.given !== false);
  }

  current(): RolloutState {
    if (this.finalState) return this.finalState;
    if (this.stopWanted === 'rollback') return 'rolling_back';
    if (this.stopWanted === 'abort') return 'aborting';
    if (this.paused) return 'paused';
    if (this.awaitingApproval) return 'awaiting_approval';
    return this.targetsKnown ? 'running' : 'starting';
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.releaseHeldStage();
  }

  stop(kind: StopKind): void {
    this.stopWanted = kind;
    delete this.status.pendingDecision;
  }

  requestStageRollback(reason: string): void {
    this.stageRollback = reason;
  }

  /** Why an operator asked to roll back the stage the rollout just cancelled, once; undefined when none did. */
  takeStageRollback(): string | undefined {
    const reason = this.stageRollback;
    this.stageRollback = undefined;
    return reason;
  }

  targetsSnapshotted(sizes: StageSize[], batchesOf: (index: number, devices: number) => number, claimedElsewhere: ClaimedElsewhere[]): void {
    if (claimedElsewhere.length > 0) this.status.claimedElsewhere = claimedElsewhere;
    sizes.forEach((size, index) => {
      const stage = this.stage(index);
      stage.devices = size.devices;
      stage.batches = batchesOf(index, size.devices);
      stage.counts = emptyCounts(size.devices);
    });
    this.targetsKnown = true;
  }

  askForApproval(index: number): void {
    const stage = this.stage(index);
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
  }

  /** Returns the stage approved; the request was judged against `approval`, so it is there. */
  approve(): string {
    const approval = this.approval!;
    approval.given = true;
    delete this.status.pendingDecision;
    return approval.stage;
  }

  /** The approval, if any, was used by the stage that starts now. */
  stageStarting(): void {
    this.approval = undefined;
  }

  stageStarted(index: number): void {
    this.stage(index).state = 'running';
  }

  stageCompleted(index: number, counts: DeviceCounts): void {
    const stage = this.stage(index);
    stage.counts = counts;
    stage.batchesDone = stage.batches;
    stage.state = 'completed';
  }

  /** The running stage was rolled back at an operator's request: the rollout pauses until one resumes it. */
  stageRolledBack(index: number, counts: DeviceCounts, reason: string): void {
    const stage = this.stage(index);
    stage.counts = counts;
    stage.state = 'rolled_back';
    this.pauseForDecision(stage.name, { at: nowIso(), stage: stage.name, gate: 'operator', action: 'roll_back', reason });
  }

  /** A stage reported its batches: the stage, with its counts before the report; undefined when no stage has that name. */
  stageReported(name: string, batchesDone: number, counts: DeviceCounts): { stage: StageStatus; before: DeviceCounts } | undefined {
    const stage = this.status.stages.find((candidate) => candidate.name === name);
    if (!stage) return undefined;
    const before = stage.counts;
    stage.batchesDone = batchesDone;
    stage.counts = counts;
    if (stage.state === 'running' && stage.batchesDone >= stage.batches) stage.state = 'monitoring';
    return { stage, before };
  }

  catchUpStarted(windowClosesAt: Date): void {
    this.status.catchUp = { name: CATCH_UP, devices: 0, batches: 0, batchesDone: 0, state: 'running', counts: emptyCounts(), round: 0, windowClosesAt: windowClosesAt.toISOString() };
  }

  /** The phase stays `running` from its start to its end; between rounds it shows when it re-checks next. */
  catchUpReported({ decision: _decision, nextRecheckAt, ...round }: CatchUpProgress): StageStatus | undefined {
    const catchUp = this.status.catchUp;
    if (!catchUp) return undefined;
    Object.assign(catchUp, round);
    if (nextRecheckAt) catchUp.nextRecheckAt = nextRecheckAt;
    else delete catchUp.nextRecheckAt;
    return catchUp;
  }

  /** Each stage's devices by where they ended, now that the catch-up phase tried the missed ones again. */
  catchUpEnded(stageCounts: DeviceCounts[]): void {
    stageCounts.forEach((counts, index) => (this.stage(index).counts = counts));
    if (this.status.catchUp) {
      this.status.catchUp.state = 'completed';
      delete this.status.catchUp.nextRecheckAt;
    }
  }

  /** A gate released the stage (its deadline passed with metrics stable) or stopped it to wait for an operator. */
  gateDecided(stage: StageStatus, decision: Decision): void {
    if (decision.action === 'continue') {
      recordDecision(this.status, decision);
      this.paused = false;
      this.releaseHeldStage();
    } else {
      stage.state = 'held';
      this.pauseForDecision(stage.name, decision);
    }
  }

  /** A cohort went back (an operator's request or a crash finding): the rollout waits for an operator, or for the decision's deadline. */
  cohortRolledBack(decision: Decision): void {
    this.pauseForDecision(decision.stage, decision);
  }

  /** Ends the rollout's status in its final state and returns that state. */
  finished(): FinalState {
    const final: FinalState = this.stopWanted === 'rollback' ? 'rolled_back' : this.stopWanted === 'abort' ? 'aborted' : 'completed';
    for (const stage of this.allStages()) {
      if (final === 'rolled_back' && stage.state !== 'pending') stage.state = 'rolled_back';
      if (final === 'aborted' && stage.state !== 'pending' && stage.state !== 'completed') stage.state = 'aborted';
    }
    this.finalState = final;
    delete this.status.currentStage;
    delete this.status.pendingDecision;
    return final;
  }

  /** Records `decision` and pauses the rollout until an operator resumes, rolls back or aborts it. */
  private pauseForDecision(stage: string, decision: Decision): void {
    recordDecision(this.status, decision);
    this.paused = true;
    this.status.pendingDecision = {
      kind: 'resume_or_roll_back',
      stage,
      since: decision.at,
      reason: `${decision.gate}: ${decision.action.replaceAll('_', ' ')}, ${decision.reason}`,
      options: [operatorMessages.resume.name, operatorMessages.rollback.name, operatorMessages.abort.name],
      ...(decision.deadline ? { deadline: decision.deadline } : {}),
    };
  }

  private releaseHeldStage(): void {
    for (const stage of this.allStages()) if (stage.state === 'held') stage.state = 'running';
    if (this.status.pendingDecision?.kind === 'resume_or_roll_back') delete this.status.pendingDecision;
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
