import { z } from 'zod';
import { MissReason } from './policy/quarantine';
import { DEFAULT_TARGET_LOAD_PERCENT, Plan } from './plan';
import { DEFAULT_RESUMABLE_FROM_ROUND } from './preflight';
import { withoutDefaults } from './resolved';
import { parseOrThrow } from './validation';
import { DeviceCounts, FinalState } from './status';
import { ConnectionIdentity } from './connectionIdentity';

/** What starts a rollout: the plan, who started it, and how fast to play plan time (1 = real time). */
export const RolloutInput = z
  .object({
    plan: Plan,
    speedup: z.number().min(1).max(1_000_000).default(1),
    startedBy: z.string().trim().min(1).default('unknown'),
    /** Who the starting client's connection authenticated as, stamped by `RolloutClient`. */
    identity: ConnectionIdentity.optional(),
  })
  .strict();
export type RolloutInput = z.input<typeof RolloutInput>;

/**
 * What the rollout workflow takes: the input as the client resolved it, every default applied. The
 * workflow checks it without applying any, so a default changed later never reaches a running rollout.
 */
export const ResolvedRolloutInput = withoutDefaults(RolloutInput);
export type ResolvedRolloutInput = z.infer<typeof RolloutInput>;

/** Applies every default to what starts a rollout; throws InvalidInputError naming each bad field. */
export function resolveRollout(input: RolloutInput): ResolvedRolloutInput {
  const resolved = parseOrThrow(RolloutInput, input, 'rollout');
  const { defaults, preflight } = resolved.plan;
  return {
    ...resolved,
    plan: {
      ...resolved.plan,
      defaults: { ...defaults, targetLoadPercent: defaults.targetLoadPercent ?? DEFAULT_TARGET_LOAD_PERCENT },
      preflight: { ...preflight, resumableDownloadFromRound: preflight.resumableDownloadFromRound ?? DEFAULT_RESUMABLE_FROM_ROUND },
    },
  };
}

export const StageReport = z.object({
  stage: z.string(),
  devices: z.number().int().nonnegative(),
  counts: DeviceCounts,
});

/** Devices that ended the rollout without its firmware, grouped by why; a few of each group by name. */
export const MissedGroup = z.object({
  reason: MissReason,
  devices: z.number().int().nonnegative(),
  /** The first devices of the group (`rollout devices` lists all), each with its specific cause. */
  examples: z.array(z.object({ deviceId: z.string(), detail: z.string() })),
});
export type MissedGroup = z.infer<typeof MissedGroup>;

export const MissedReport = z.object({
  total: z.number().int().nonnegative(),
  groups: z.array(MissedGroup),
});
export type MissedReport = z.infer<typeof MissedReport>;

export const RolloutReport = z.object({
  rolloutId: z.string(),
  state: FinalState,
  stages: z.array(StageReport),
  /** Workflow time from start to end, in milliseconds of plan time. */
  elapsedMs: z.number().nonnegative(),
  /** Who missed a completed rollout and why, after its catch-up phase. */
  missed: MissedReport.optional(),
});
export type RolloutReport = z.infer<typeof RolloutReport>;
