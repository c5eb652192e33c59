import { z } from 'zod';

/** Where one device ended up in a batch. */
export const DeviceOutcomeState = z.enum(['succeeded', 'failed', 'deferred', 'rolled_back', 'excluded']);
export type DeviceOutcomeState = z.infer<typeof DeviceOutcomeState>;

export const DeviceOutcome = z.object({
  deviceId: z.string(),
  stage: z.string(),
  state: DeviceOutcomeState,
  attempts: z.number().int().nonnegative(),
  reason: z.string().optional(),
  operationId: z.string().optional(),
});
export type DeviceOutcome = z.infer<typeof DeviceOutcome>;

export const DeviceCounts = z.object({
  pending: z.number().int().nonnegative(),
  succeeded: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  deferred: z.number().int().nonnegative(),
  rolled_back: z.number().int().nonnegative(),
});
export type DeviceCounts = z.infer<typeof DeviceCounts>;

export const StageState = z.enum(['pending', 'running', 'held', 'monitoring', 'completed', 'rolled_back']);
export type StageState = z.infer<typeof StageState>;

export const StageStatus = z.object({
  name: z.string(),
  devices: z.number().int().nonnegative(),
  batches: z.number().int().nonnegative(),
  batchesDone: z.number().int().nonnegative(),
  state: StageState,
  counts: DeviceCounts,
});
export type StageStatus = z.infer<typeof StageStatus>;

export const RolloutState = z.enum(['starting', 'running', 'paused', 'rolling_back', 'completed', 'rolled_back']);
export type RolloutState = z.infer<typeof RolloutState>;

export const AuditEntry = z.object({
  at: z.string(),
  action: z.string(),
  by: z.string(),
  reason: z.string().optional(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

/** What the workflow did at a gate and why. */
export const Decision = z.object({
  at: z.string(),
  stage: z.string(),
  gate: z.string(),
  action: z.enum(['continue', 'hold', 'pause', 'roll_back']),
  reason: z.string(),
  /** When a pause waits for an operator: what happens by itself at this time if nobody decides. */
  deadline: z.string().optional(),
});
export type Decision = z.infer<typeof Decision>;

export const RolloutStatus = z.object({
  rolloutId: z.string(),
  firmwareVersion: z.string(),
  state: RolloutState,
  currentStage: z.string().optional(),
  stages: z.array(StageStatus),
  decisions: z.array(Decision),
  audit: z.array(AuditEntry),
});
export type RolloutStatus = z.infer<typeof RolloutStatus>;

export const emptyCounts = (pending = 0): DeviceCounts => ({ pending, succeeded: 0, failed: 0, deferred: 0, rolled_back: 0 });
