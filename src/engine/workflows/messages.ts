import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import { ConnectionIdentity } from '../model/connectionIdentity';
import { AuditEntry, Decision, DeviceCounts, RollbackScope, RolloutState, type RolloutStatus } from '../model/status';

/**
 * The messages a rollout answers. Every operator action exists twice under one name: as a signal
 * (fire and forget, what the Web UI's "Send a Signal" and `temporal workflow signal` send; a refused
 * one is recorded in the audit trail) and as an update (what release tooling sends; it is
 * acknowledged, or rejected with a reason before anything is recorded).
 */

const SAY_WHO = 'say who you are, e.g. {"by": "alice@ops"}';
const SAY_WHY = 'say why, e.g. {"reason": "crash reports from rev-b"}';
const by = z.string({ error: SAY_WHO }).trim().min(1, SAY_WHO);
const reason = z.string({ error: SAY_WHY }).trim().min(1, SAY_WHY);
/** What the Web UI sends when the operator typed nothing, or something else than an object. */
const notAnObject = (issue: { code: string }) => (issue.code === 'invalid_type' ? 'send one JSON object, e.g. {"by": "alice@ops", "reason": "why"}' : undefined);

/** Stamped by the client from its connection (`RolloutClient`); the Web UI's signals go without. */
const identity = ConnectionIdentity.optional();

export const PauseRequest = z.object({ by, identity, reason }, { error: notAnObject }).strict();
export const ResumeRequest = z.object({ by, identity, reason: reason.optional() }, { error: notAnObject }).strict();
export const ApproveRequest = z
  .object({
    by,
    identity,
    reason: reason.optional(),
    /** The stage the operator means to approve; refused when another one waits. */
    stage: z.string().min(1).optional(),
  }, { error: notAnObject })
  .strict();
export const RollbackRequest = z.object({ by, identity, reason, scope: RollbackScope.default('all') }, { error: notAnObject }).strict();
export const AbortRequest = z.object({ by, identity, reason }, { error: notAnObject }).strict();

/** An update's answer: what the rollout recorded, and its state afterwards. */
export const OperatorAck = z.object({ accepted: AuditEntry, state: RolloutState });
export type OperatorAck = z.infer<typeof OperatorAck>;

function operatorMessage<const Name extends string, Request extends z.ZodObject>(name: Name, request: Request, description: string) {
  return {
    name,
    request,
    description,
    signal: defineSignal<[z.input<Request>], Name>(name),
    update: defineUpdate<OperatorAck, [z.input<Request>], Name>(name),
  };
}

/** Descriptions are what the Web UI shows next to each name, so they say what to type. */
export const operatorMessages = {
  pause: operatorMessage(
    'pause',
    PauseRequest,
    'Stop starting new batches; devices already updating finish. Input: {"by": "alice@ops", "reason": "crash reports from rev-b"}',
  ),
  resume: operatorMessage('resume', ResumeRequest, 'Go on after a pause or a held gate. Input: {"by": "alice@ops", "reason": "false alarm"} (reason optional)'),
  approve: operatorMessage(
    'approve',
    ApproveRequest,
    'Let the stage that waits for approval (plan: advance manual) start. Input: {"by": "alice@ops", "stage": "wave1"} (stage and reason optional)',
  ),
  rollback: operatorMessage(
    'rollback',
    RollbackRequest,
    'Stop and return updated devices to their previous firmware. Input: {"by": "alice@ops", "reason": "bad build", "scope": "all"}; scope: "batch", "stage", "all" (default) or {"cohort": {"region": "eu-west"}}',
  ),
  abort: operatorMessage(
    'abort',
    AbortRequest,
    'Stop the rollout for good without rolling anything back; updated devices keep the new firmware. Input: {"by": "alice@ops", "reason": "superseded by 2.0.1"}',
  ),
};
export type OperatorActionName = keyof typeof operatorMessages;
export type OperatorMessage = (typeof operatorMessages)[OperatorActionName];

export const statusQuery = defineQuery<RolloutStatus>('status');
export const STATUS_QUERY_DESCRIPTION =
  'State, current stage and batch, devices by state, success rates, the decision waiting for an operator, gate decisions and the audit trail.';

/** Sent by a stage to its rollout after every batch, so the rollout's status stays current. */
export const StageProgress = z.object({
  stage: z.string(),
  batchesDone: z.number().int().nonnegative(),
  counts: DeviceCounts,
  /** Present when a gate stopped the stage: the rollout pauses and shows why. */
  decision: Decision.optional(),
});
export type StageProgress = z.infer<typeof StageProgress>;
export const stageProgressSignal = defineSignal<[StageProgress]>('stageProgress');
export const STAGE_PROGRESS_DESCRIPTION = 'Internal: a stage reports its progress to its rollout. Not for operators.';

/** The rollout tells the running stage to hold or go on starting batches. */
export const stagePausedSignal = defineSignal<[{ paused: boolean }]>('stagePaused');

/** The rollout passes an operator's rollback of the current batch to its stage, with who asked and why. */
export const batchRollbackSignal = defineSignal<[{ reason: string }]>('batchRollback');
