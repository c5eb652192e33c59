import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import type { z } from 'zod';
import { operatorMessages, type OperatorAck, type OperatorActionName, type OperatorMessage } from './messages';
import { FailureType } from '../model/failures';
import { isFinished, recordAudit, type AuditEntry, type RollbackScope, type RolloutState, type RolloutStatus } from '../model/status';
import { fieldPath } from '../model/validation';
import type { ConnectionIdentity } from '../model/connectionIdentity';
import { nowIso } from './workflowTime';

/** What decides whether an operator's request can take effect now. */
export interface ControlFacts {
  state: RolloutState;
  /** The stage that waits for an operator's approve and has not had it yet. */
  awaitingApproval: string | undefined;
  /** A stage is running its batches or its monitoring window: a batch or stage rollback has something to act on. */
  stageRunning: boolean;
}

/** The parts of a request that can make it impossible in the current state. */
interface RequestTarget {
  stage?: string | undefined;
  scope?: RollbackScope | undefined;
}

export type Verdict<Request> = { request: Request } | ({ rejected: string } & Pick<AuditEntry, 'by' | 'identity'>);

/**
 * Judges a request without changing anything, so the same verdict serves an update's validator
 * (which must not change state) and a signal's handler (which records a refusal in the audit trail).
 */
export function judgeRequest<M extends OperatorMessage>(message: M, raw: unknown, facts: ControlFacts): Verdict<z.infer<M['request']>> {
  const parsed = message.request.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`).join('; ');
    return { rejected: `invalid ${message.name} input: ${problems}`, by: claimedOperator(raw) };
  }
  const request = parsed.data as z.infer<M['request']>;
  const refusal = refusalFor(message.name, facts, request as RequestTarget);
  return refusal ? { rejected: refusal, ...actor(request) } : { request };
}

/** Why `action` cannot take effect in the rollout's current state; undefined when it can. */
export function refusalFor(action: OperatorActionName, { state, awaitingApproval, stageRunning }: ControlFacts, { stage: requestedStage, scope }: RequestTarget = {}): string | undefined {
  if (isFinished(state)) return `the rollout has already ended (${state})`;
  if (state === 'rolling_back') return 'the rollout is rolling back';
  if (state === 'aborting') return 'the rollout is being aborted';
  switch (action) {
    case 'pause':
      return state === 'paused' ? 'the rollout is already paused' : undefined;
    case 'resume':
      return state === 'paused' ? undefined : `the rollout is not paused (it is ${state})`;
    case 'approve':
      if (!awaitingApproval) return 'no stage waits for approval';
      return requestedStage && requestedStage !== awaitingApproval ? `stage ${awaitingApproval} waits for approval, not ${requestedStage}` : undefined;
    case 'rollback':
      return (scope === 'batch' || scope === 'stage') && !stageRunning ? `no stage is running: roll back scope "all" or a cohort instead of "${scope}"` : undefined;
    case 'abort':
      return undefined;
  }
}

/** The operator named in a request that failed validation, so even a refusal says who sent it. */
function claimedOperator(raw: unknown): string {
  const by = typeof raw === 'object' && raw !== null ? (raw as { by?: unknown }).by : undefined;
  return typeof by === 'string' && by.trim() ? by.trim() : 'unknown';
}

/** Who sent a request, as the audit trail keeps it: an identity only when the connection had one. */
const actor = ({ by, identity }: { by: string; identity?: ConnectionIdentity | undefined }): Pick<AuditEntry, 'by' | 'identity'> => ({ by, ...(identity ? { identity } : {}) });

/** A request that passed the judge, as the rollout acts on it. */
export interface AcceptedRequest {
  by: string;
  identity?: ConnectionIdentity | undefined;
  reason?: string | undefined;
  scope?: RollbackScope;
}

/** What the rollout does with operator requests: the facts they are judged by, and the action of one accepted. */
export interface OperatorDesk {
  facts(): ControlFacts;
  /** Carries out an accepted request; `entry`, already in the audit trail, takes what it is about (stage, scope). */
  perform(action: OperatorActionName, request: AcceptedRequest, entry: AuditEntry): Promise<void>;
  /** A refused signal was recorded in the audit trail. */
  refused(): void;
}

/**
 * Pause, resume, approve, rollback and abort as signals and as updates: each request judged, and
 * recorded in the audit trail before the rollout acts on it.
 */
export class OperatorRequests {
  constructor(
    private readonly status: RolloutStatus,
    private readonly desk: OperatorDesk,
  ) {}

  install(): void {
    for (const message of Object.values(operatorMessages)) this.installMessage(message);
  }

  private installMessage(message: OperatorMessage): void {
    const options = { description: message.description };
    setHandler(message.signal, (raw: unknown) => this.onSignal(message, raw), options);
    setHandler(message.update, (raw: unknown) => this.onUpdate(message, raw), { ...options, validator: (raw: unknown) => void this.acceptedOrThrow(message, raw) });
  }

  /** A signal cannot be refused to its sender, so a refusal goes into the audit trail instead. */
  private async onSignal(message: OperatorMessage, raw: unknown): Promise<void> {
    const verdict = judgeRequest(message, raw, this.desk.facts());
    if ('rejected' in verdict) {
      const { rejected, ...who } = verdict;
      recordAudit(this.status, { at: nowIso(), action: message.name, ...who, via: 'signal', rejected });
      this.desk.refused();
      return;
    }
    await this.accept(message.name, verdict.request, 'signal');
  }

  private async onUpdate(message: OperatorMessage, raw: unknown): Promise<OperatorAck> {
    const accepted = await this.accept(message.name, this.acceptedOrThrow(message, raw), 'update');
    return { accepted, state: this.status.state };
  }

  /** Throwing an ApplicationFailure rejects just the update; the rollout goes on. */
  private acceptedOrThrow(message: OperatorMessage, raw: unknown): AcceptedRequest {
    const verdict = judgeRequest(message, raw, this.desk.facts());
    if ('rejected' in verdict) throw ApplicationFailure.nonRetryable(verdict.rejected, FailureType.RequestRejected);
    return verdict.request;
  }

  private async accept(action: OperatorActionName, request: AcceptedRequest, via: AuditEntry['via']): Promise<AuditEntry> {
    const entry: AuditEntry = { at: nowIso(), action, ...actor(request), via, ...(request.reason ? { reason: request.reason } : {}) };
    recordAudit(this.status, entry);
    await this.desk.perform(action, request, entry);
    return entry;
  }
}
