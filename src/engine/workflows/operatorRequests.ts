import type { z } from 'zod';
import type { OperatorActionName, OperatorMessage } from './messages';
import { isFinished, type RollbackScope, type RolloutState } from '../model/status';
import { fieldPath } from '../model/validation';

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

export type Verdict<Request> = { request: Request } | { rejected: string; by: string };

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
  return refusal ? { rejected: refusal, by: request.by } : { request };
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
