import { z } from 'zod';
import { MissReason } from './policy/quarantine';
import { DEFAULT_TARGET_LOAD_PERCENT, Plan } from './plan';
import { FlagPlan } from './flagPlan';
import { isFlagPlan, planSchemaFor } from './planKind';
import { DEFAULT_RESUMABLE_FROM_ROUND } from './preflight';
import { withoutDefaults } from './resolved';
import { parseOrThrow } from './validation';
import { DeviceCounts, FinalState } from './status';
import { ConnectionIdentity } from './connectionIdentity';

/** What starts a rollout: the plan (of either kind), who started it, and how fast to play plan time (1 = real time). */
export const RolloutInput = z
  .object({
    plan: z.union([Plan, FlagPlan]),
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
export type ResolvedRolloutInput = z.infer<typeof RolloutInput>;
const resolvedSchemas = { firmware: withoutDefaults(RolloutInput.extend({ plan: Plan })), flag: withoutDefaults(RolloutInput.extend({ plan: FlagPlan })) };

/** The schema that checks a resolved input: its plan's kind picks it, so a missing field is named, not a union's mismatch. */
export const resolvedRolloutSchemaFor = (raw: unknown): z.ZodType<ResolvedRolloutInput, ResolvedRolloutInput> =>
  isFlagPlan((raw as { plan?: unknown } | null)?.plan) ? resolvedSchemas.flag : resolvedSchemas.firmware;

/** Applies every default to what starts a rollout; throws InvalidInputError naming each bad field. */
export function resolveRollout(input: RolloutInput): ResolvedRolloutInput {
  // The plan's kind picks its schema, so errors speak of that kind's fields, not of a union's.
  const resolved = parseOrThrow(RolloutInput.extend({ plan: planSchemaFor(input.plan) }), input, 'rollout');
  const { plan } = resolved;
  const defaults = { ...plan.defaults, targetLoadPercent: plan.defaults.targetLoadPercent ?? DEFAULT_TARGET_LOAD_PERCENT };
  if (plan.kind === 'flag') return { ...resolved, plan: { ...plan, defaults } };
  const preflight = { ...plan.preflight, resumableDownloadFromRound: plan.preflight.resumableDownloadFromRound ?? DEFAULT_RESUMABLE_FROM_ROUND };
  return { ...resolved, plan: { ...plan, defaults, preflight } };
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
