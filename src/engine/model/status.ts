import { z } from 'zod';
import { CohortSelector } from './cohorts';
import { ClaimedElsewhere } from './deviceClaims';
import { ConnectionIdentity } from './connectionIdentity';
import { FlagSetting } from './flagPlan';

/** Where one device ended up in a batch; `quarantined`: it failed too many updates and goes to support. */
export const DeviceOutcomeState = z.enum(['succeeded', 'failed', 'deferred', 'rolled_back', 'excluded', 'quarantined']);
export type DeviceOutcomeState = z.infer<typeof DeviceOutcomeState>;

export const DeviceOutcome = z.object({
  deviceId: z.string(),
  stage: z.string(),
  state: DeviceOutcomeState,
  attempts: z.number().int().nonnegative(),
  reason: z.string().optional(),
  operationId: z.string().optional(),
  /** For a quarantined device: the fleet's error code of its last failed update, and the firmware it runs. */
  errorCode: z.string().optional(),
  currentVersion: z.string().optional(),
});
export type DeviceOutcome = z.infer<typeof DeviceOutcome>;

export const DeviceCounts = z.object({
  pending: z.number().int().nonnegative(),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  deferred: z.number().int().nonnegative(),
  rolled_back: z.number().int().nonnegative(),
  /** Taken out of the rollout before their turn (a cohort rollback withdrew them): never tried, not a failure. */
  excluded: z.number().int().nonnegative(),
});
export type DeviceCounts = z.infer<typeof DeviceCounts>;
export type DeviceCountState = keyof DeviceCounts;
export const DEVICE_COUNT_STATES = Object.keys(DeviceCounts.shape) as DeviceCountState[];

export const StageState = z.enum(['pending', 'awaiting_approval', 'running', 'held', 'monitoring', 'completed', 'rolled_back', 'aborted']);
export type StageState = z.infer<typeof StageState>;

export const StageStatus = z.object({
  name: z.string(),
  devices: z.number().int().nonnegative(),
  batches: z.number().int().nonnegative(),
  batchesDone: z.number().int().nonnegative(),
  state: StageState,
  counts: DeviceCounts,
  /** Succeeded among the devices tried so far (deferred ones were never tried); absent before any was. */
  successRate: z.number().min(0).max(1).optional(),
});
export type StageStatus = z.infer<typeof StageStatus>;

/** The phase after the last stage that re-checks devices that missed their turn; its name wherever a stage name goes. */
export const CATCH_UP = 'catch-up';

/** The catch-up phase as a stage row: devices and counts are those of its latest round. */
export const CatchUpStatus = StageStatus.extend({
  round: z.number().int().nonnegative(),
  windowClosesAt: z.string(),
  /** When the next round re-checks, while the phase waits for it. */
  nextRecheckAt: z.string().optional(),
});
export type CatchUpStatus = z.infer<typeof CatchUpStatus>;

/** How a rollout ends. `aborted`: stopped by an operator without rolling anything back. */
export const FinalState = z.enum(['completed', 'rolled_back', 'aborted']);
export type FinalState = z.infer<typeof FinalState>;

export const RolloutState = z.enum(['starting', 'running', 'awaiting_approval', 'paused', 'rolling_back', 'aborting', ...FinalState.options]);
export type RolloutState = z.infer<typeof RolloutState>;

export const isFinished = (state: RolloutState): state is FinalState => FinalState.safeParse(state).success;

/** A cohort that names no attribute would be every device: say `all` for that. */
const NamedCohort = CohortSelector.refine((selector) => Object.keys(selector).length > 0, 'name at least one attribute, e.g. {"region": "eu-west"}');

/** What a rollback should return: the current batch, the current stage, everything, or the devices of a cohort. */
export const RollbackScope = z.union([z.enum(['batch', 'stage', 'all']), z.object({ cohort: NamedCohort }).strict()], {
  error: 'use "batch", "stage", "all" or {"cohort": {"region": "eu-west"}}',
});
export type RollbackScope = z.infer<typeof RollbackScope>;

/** One line of the audit trail: who asked for what, and whether the rollout did it. */
export const AuditEntry = z.object({
  at: z.string(),
  action: z.string(),
  /** Who the operator said they are (`--by`). */
  by: z.string(),
  /** Who their connection authenticated as, when it did. */
  identity: ConnectionIdentity.optional(),
  reason: z.string().optional(),
  /** How the request arrived; `start` for the entry that opens the trail. */
  via: z.enum(['start', 'signal', 'update']),
  /** Why the rollout refused the request; absent when it took effect. */
  rejected: z.string().optional(),
  /** The stage an approve was for. */
  stage: z.string().optional(),
  /** The scope a rollback asked for. */
  scope: RollbackScope.optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** `alice`, or `alice [mtls CN=alice,O=ops]` when the connection authenticated. */
export const actorOf = ({ by, identity }: Pick<AuditEntry, 'by' | 'identity'>): string => (identity ? `${by} [${identity.source} ${identity.name}]` : by);

/** What the workflow did at a gate and why. */
export const Decision = z.object({
  at: z.string(),
  stage: z.string(),
  gate: z.string(),
  action: z.enum(['continue', 'hold', 'pause', 'roll_back']),
  reason: z.string(),
  /** When the rollout decides on its own if no operator has by then (ISO time). */
  deadline: z.string().optional(),
});
export type Decision = z.infer<typeof Decision>;

/** What the rollout waits for an operator to decide, and which messages decide it. */
export const PendingDecision = z.object({
  kind: z.enum(['approve_stage', 'resume_or_roll_back']),
  stage: z.string(),
  since: z.string(),
  /** Why the rollout waits: the plan's manual advance, or the gate decision that held it. */
  reason: z.string(),
  options: z.array(z.string()),
  deadline: z.string().optional(),
});
export type PendingDecision = z.infer<typeof PendingDecision>;

export const RolloutStatus = z.object({
  rolloutId: z.string(),
  /** The firmware version the rollout installs; for a flag rollout the flag and its value, `flag=value`, as its operations report it. */
  firmwareVersion: z.string(),
  /** A flag rollout's flag and the value it stages. */
  flag: FlagSetting.optional(),
  state: RolloutState,
  currentStage: z.string().optional(),
  /** The batch of the current stage that runs or runs next, counted from 1. */
  currentBatch: z.object({ number: z.number().int().positive(), of: z.number().int().nonnegative() }).optional(),
  /** Devices by state over every stage. */
  devices: DeviceCounts,
  successRate: z.number().min(0).max(1).optional(),
  /** The success rate of the batches the latest stage report covered (one batch unless a stage has more than 200). */
  lastBatchSuccessRate: z.number().min(0).max(1).optional(),
  stages: z.array(StageStatus),
  /** Present once the last stage passed and the rollout re-checks the devices that missed their turn. */
  catchUp: CatchUpStatus.optional(),
  pendingDecision: PendingDecision.optional(),
  /** Eligible devices left out because other rollouts held them when this one snapshotted its targets, per holder. */
  claimedElsewhere: z.array(ClaimedElsewhere).optional(),
  /** The latest gate decisions, at most RECENT_ENTRIES; `decisionCount` counts all of them. */
  decisions: z.array(Decision),
  decisionCount: z.number().int().nonnegative(),
  /** The latest audit entries, at most RECENT_ENTRIES; `auditCount` counts all of them. */
  audit: z.array(AuditEntry),
  auditCount: z.number().int().nonnegative(),
});
export type RolloutStatus = z.infer<typeof RolloutStatus>;

/**
 * Audit entries and gate decisions a status keeps: a rollout of days can take requests without end,
 * and the status is held by the workflow and sent whole with every query.
 */
export const RECENT_ENTRIES = 50;

export function recordAudit(status: RolloutStatus, entry: AuditEntry): void {
  status.auditCount += 1;
  keepLatest(status.audit, entry);
}

export function recordDecision(status: RolloutStatus, decision: Decision): void {
  status.decisionCount += 1;
  keepLatest(status.decisions, decision);
}

function keepLatest<T>(entries: T[], entry: T): void {
  entries.push(entry);
  if (entries.length > RECENT_ENTRIES) entries.splice(0, entries.length - RECENT_ENTRIES);
}

export const emptyCounts = (pending = 0): DeviceCounts => ({ pending, succeeded: 0, failed: 0, deferred: 0, rolled_back: 0, excluded: 0 });
