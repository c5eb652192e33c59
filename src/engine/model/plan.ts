import { z } from 'zod';
import { DurationMs, PositiveDurationMs } from './duration';
import { OperationState } from '../ports/fleetProvider';
import { PlanFirmware } from './planFirmware';
import { batchHistoryBound, HISTORY_EVENT_LIMIT, MAX_BATCH_SIZE, MAX_BATCHES_PER_RUN, MAX_CATCH_UP_ROUNDS, MAX_STAGES } from './historyBudget';
import { PreflightRules } from './preflight';
import { CohortWindow } from './maintenanceWindow';
import { CohortSelector } from './cohorts';
import { checkStageSequence } from './stageSequence';
import { AFTER_FIELD_CHECKS } from './validation';
import { targetVersionIssues, VersionPolicy } from './policy/versionPolicy';
import { DeadlinePolicy } from './health/deadline';
import { HealthBaseline, HealthPolicy } from './health/triggers';
import { EvidencePolicy } from './health/cohortEvidence';
import { Notifications } from './notifications';
import { Priority } from './budget';

const Fraction = z.number().min(0).max(1);

/** Limits and timings a stage inherits from the plan unless it sets its own. */
const stageSettingFields = {
  batchSize: z
    .number()
    .int()
    .positive()
    .max(MAX_BATCH_SIZE, `at most ${MAX_BATCH_SIZE} devices per batch: a batch's device and outcome lists travel through its workflow history`),
  /**
   * Devices in flight at once within the rollout; the seed's "never exceed 30 concurrent firmware
   * operations". The ceiling of the service's adaptive limit, which follows `targetLoadPercent`.
   */
  maxConcurrent: z.number().int().positive(),
  /**
   * Keep the device-management service's load (as it reports it; else its latency and refusals)
   * at or under this: the worker's adaptive limit on operations in flight follows it.
   */
  targetLoadPercent: z.number().gt(0, 'give a load above 0 %, e.g. 45').max(100, 'at most 100 %: the share of the service a rollout may load'),
  /**
   * Update commands one request leaves queued at the device-management service, waiting for their
   * gateways: the seed's "queue depth limit: 100 operations". Requests are cut to this size.
   */
  queueDepthLimit: z.number().int().positive(),
  batchGap: DurationMs,
  /** Upper bound of one update attempt on one device. */
  operationTimeout: PositiveDurationMs,
  healthCheckInterval: PositiveDurationMs,
  /** A batch below this success rate holds the stage. */
  successThreshold: Fraction,
  /** A batch below this success rate is rolled back and the rollout paused. */
  rollbackThreshold: Fraction,
  /** `manual`: the rollout waits for an operator's approve before starting this stage. */
  advance: z.enum(['auto', 'manual']),
  /** Pipelining: the next batch may start once this share of the current one reached `pipelineState`. */
  pipelineFraction: Fraction,
  pipelineState: OperationState.exclude(['queued', 'failed', 'rolled_back']),
  /** The batch gate is judged when the batch ends or this long after its preflight, whichever comes first. */
  batchTimeout: PositiveDurationMs,
  /**
   * Batches one run of the stage workflow starts before it continues as new (Temporal may ask for
   * that sooner). Bounds the stage's history at any stage size: each batch adds at most 78 events.
   */
  batchesPerRun: z
    .number()
    .int()
    .positive()
    .max(MAX_BATCHES_PER_RUN, `at most ${MAX_BATCHES_PER_RUN} batches per run keep a stage's workflow history under Temporal's limit`),
};

/** The seed's "after": the device-management service held at 45 % CPU. */
export const DEFAULT_TARGET_LOAD_PERCENT = 45;

/** The plan-wide settings, with the seed plan's defaults. */
export const StageSettings = z.object({
  batchSize: stageSettingFields.batchSize.default(25),
  maxConcurrent: stageSettingFields.maxConcurrent.default(30),
  /**
   * Optional in the schema, so that rollouts resolved before the setting existed still check; the
   * default, DEFAULT_TARGET_LOAD_PERCENT, is applied by `resolveRollout`.
   */
  targetLoadPercent: stageSettingFields.targetLoadPercent.optional(),
  batchGap: stageSettingFields.batchGap.prefault('20 minutes'),
  operationTimeout: stageSettingFields.operationTimeout.prefault('30 minutes'),
  healthCheckInterval: stageSettingFields.healthCheckInterval.prefault('60 seconds'),
  successThreshold: stageSettingFields.successThreshold.default(0.8),
  rollbackThreshold: stageSettingFields.rollbackThreshold.default(0.7),
  advance: stageSettingFields.advance.default('auto'),
  pipelineFraction: stageSettingFields.pipelineFraction.default(0.8),
  pipelineState: stageSettingFields.pipelineState.default('downloaded'),
  batchTimeout: stageSettingFields.batchTimeout.prefault('30 minutes'),
  batchesPerRun: stageSettingFields.batchesPerRun.default(100),
  queueDepthLimit: stageSettingFields.queueDepthLimit.default(100),
});
export type StageSettings = z.infer<typeof StageSettings>;

/** A stage's own settings: no defaults here, so whatever a stage leaves out comes from the plan. */
const StageSettingsOverrides = z.object(stageSettingFields).partial();

/** What a stage takes from the eligible fleet: each stage has exactly one of these. */
const STAGE_KINDS = ['devices', 'percent', 'select'] as const;

export const Stage = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes, e.g. "wave-1"'),
    /** A fixed number of devices, in id order, from those no earlier stage took. */
    devices: z.number().int().positive().optional(),
    /** Cumulative: the share of the eligible fleet on the new firmware once this stage is done, as in 1 → 5 → 25 → 100. */
    percent: z
      .number()
      .positive('write a share above 0, e.g. 1 for 1 % of the fleet')
      .max(100, 'at most 100: percent is the share of the eligible fleet done once this stage ends')
      .optional(),
    /** A cohort: every eligible device the selector matches that no earlier stage took. */
    select: CohortSelector.optional(),
    monitorWindow: DurationMs.prefault('1 hour'),
  })
  .extend(StageSettingsOverrides.shape)
  .strict()
  .superRefine((stage, ctx) => {
    const kinds = STAGE_KINDS.filter((kind) => stage[kind] !== undefined);
    if (kinds.length === 0) {
      ctx.addIssue({
        code: 'custom',
        message: `stage "${stage.name}" takes no devices: give it one of devices (a count, e.g. 5), percent (a cumulative share of the fleet, e.g. 25) or select (a cohort, e.g. { ring: internal })`,
      });
    }
    for (const kind of kinds.slice(1)) {
      ctx.addIssue({ code: 'custom', path: [kind], message: `stage "${stage.name}" has both ${kinds[0]} and ${kind}: give each stage exactly one of devices, percent or select` });
    }
  });
export type Stage = z.infer<typeof Stage>;

/** Per-device retries of a failed update: the seed's `min(300·2^n, 3600)` seconds. */
export const RetrySettings = z
  .object({
    initialInterval: PositiveDurationMs.prefault('5 minutes'),
    backoffCoefficient: z.number().min(1, 'write 1 (a constant interval) or more, e.g. 2 to double it each time').default(2),
    maximumInterval: PositiveDurationMs.prefault('1 hour'),
    maximumAttempts: z.number().int().positive().default(5),
  })
  .strict()
  .superRefine((retry, ctx) => {
    if (retry.maximumInterval < retry.initialInterval) {
      ctx.addIssue({
        code: 'custom',
        path: ['maximumInterval'],
        message: 'below initialInterval: write a cap at least as long as the first interval, e.g. "1 hour" after "5 minutes"',
      });
    }
  }, AFTER_FIELD_CHECKS);
export type RetrySettings = z.infer<typeof RetrySettings>;

export const SEED_STAGES = [
  { name: 'canary', devices: 5, monitorWindow: '1 hour' },
  { name: 'pilot', devices: 20, monitorWindow: '2 hours' },
  { name: 'wave1', devices: 50, monitorWindow: '3 hours' },
  { name: 'wave2', devices: 125, monitorWindow: '6 hours' },
] as const;

export const RolloutIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'use letters, digits, ".", "_" and "-" (at most 100), e.g. "fw-2.4.0-eu"');

/**
 * How monitoring windows judge health: the fleet's baseline on its current firmware and 002's pause
 * triggers. The default baseline is the seed's canary example (0.002 crashes per device-hour).
 */
export const HealthSettings = z
  .object({
    baseline: HealthBaseline.prefault({ crashRatePerDeviceHour: 0.002, connectivityRate: 0.99 }),
    /** Measure crash and check-in rates on the targets before the first stage; `baseline` is the fallback for too small a sample. */
    measureBaseline: z.boolean().default(true),
    policy: HealthPolicy.prefault({}),
    deadline: DeadlinePolicy.prefault({}),
    /** The crash test: per cohort, against the devices not yet updated, over every hour from the first update on. */
    evidence: EvidencePolicy.prefault({}),
  })
  .strict();
export type HealthSettings = z.infer<typeof HealthSettings>;

/**
 * Devices that missed their turn (deferred by preflight, or unreachable when their batch ran) are
 * re-checked after the last stage, every `recheckInterval` until `rolloutWindow` (counted from the
 * rollout's start) closes. `recheckInterval` defaults to the retry backoff's cap: the longest wait
 * between two tries the plan already accepts, and short against gateways that are off for hours.
 */
export const CatchUpSettings = z
  .object({
    rolloutWindow: PositiveDurationMs.prefault('7 days'),
    recheckInterval: PositiveDurationMs.prefault('1 hour'),
    /**
     * Failed updates (commands that ended in failure, across the rollout) after which a device is
     * quarantined for support; defaults to `retry.maximumAttempts`, so a device that failed every
     * attempt of its batch is not tried again, while one that was only unreachable keeps its budget.
     */
    quarantineAfterAttempts: z.number().int().positive().optional(),
  })
  .strict();
export type CatchUpSettings = z.infer<typeof CatchUpSettings>;

export const Plan = z
  .object({
    rolloutId: RolloutIdSchema,
    firmware: PlanFirmware,
    stages: z
      .array(Stage)
      .min(1)
      .max(MAX_STAGES, `at most ${MAX_STAGES} stages keep the rollout's workflow history under Temporal's limit`)
      .superRefine(checkStageSequence, AFTER_FIELD_CHECKS)
      .prefault(SEED_STAGES.map((stage) => ({ ...stage }))),
    defaults: StageSettings.strict().prefault({}),
    retry: RetrySettings.prefault({}),
    preflight: PreflightRules.prefault({}),
    health: HealthSettings.prefault({}),
    versionPolicy: VersionPolicy.prefault({}),
    /** Devices of a listed cohort get update commands only while its window is open; a device takes the first window whose cohort it is in. */
    maintenanceWindows: z.array(CohortWindow).default([]),
    catchUp: CatchUpSettings.prefault({}),
    /** Who hears about pauses, rollbacks, quarantines, approvals and missed devices. */
    notifications: Notifications.prefault({}),
    /** The rollout's place in the fleet budget's queue (a hotfix `high`); absent: `normal`, also for rollouts started before priorities. */
    priority: Priority.optional(),
    /** What the plan rolls out; absent, as in every plan before flag plans: firmware. */
    kind: z.literal('firmware', { error: 'write "firmware" (the default) or "flag" (a flag plan, which has a flag instead of a firmware)' }).optional(),
  })
  .strict()
  .superRefine((plan, ctx) => {
    checkPlanBody(plan, ctx);
    for (const { path, message } of targetVersionIssues(plan.firmware.version, plan.versionPolicy)) {
      ctx.addIssue({ code: 'custom', path: ['versionPolicy', ...path], message });
    }
  }, AFTER_FIELD_CHECKS);
export type Plan = z.infer<typeof Plan>;
/** A plan as written in a plan file, before defaults. */
export type PlanInput = z.input<typeof Plan>;

/**
 * A batch below rollbackThreshold is rolled back, below successThreshold it holds the stage: a
 * rollback threshold above the success threshold would roll back batches the plan calls good enough.
 * Reported where the two meet: at the stage that sets either, else once at the defaults.
 */
function checkThresholdOrder(plan: { defaults: StageSettings; stages: readonly Stage[] }, ctx: z.RefinementCtx): void {
  const issue = (path: PropertyKey[], success: number, rollback: number) =>
    ctx.addIssue({
      code: 'custom',
      path: [...path, 'rollbackThreshold'],
      message: `${rollback} is above successThreshold ${success}: write a rollbackThreshold of at most ${success} (a batch below it is rolled back, below successThreshold it holds)`,
    });
  const { successThreshold, rollbackThreshold } = plan.defaults;
  if (rollbackThreshold > successThreshold) issue(['defaults'], successThreshold, rollbackThreshold);
  plan.stages.forEach((stage, index) => {
    if (stage.successThreshold === undefined && stage.rollbackThreshold === undefined) return;
    const success = stage.successThreshold ?? successThreshold;
    const rollback = stage.rollbackThreshold ?? rollbackThreshold;
    if (rollback > success) issue(['stages', index], success, rollback);
  });
}

/** What every plan kind stages the same way: cohorts, stages, batches, retries and catch-up. */
export type PlanBody = Pick<Plan, 'stages' | 'defaults' | 'retry' | 'catchUp' | 'maintenanceWindows'>;

/** The checks across fields that every plan kind shares: catch-up rounds, thresholds, stage names, batch histories. */
export function checkPlanBody(plan: PlanBody, ctx: z.RefinementCtx): void {
  const { rolloutWindow, recheckInterval } = plan.catchUp;
  if (rolloutWindow / recheckInterval > MAX_CATCH_UP_ROUNDS) {
    ctx.addIssue({
      code: 'custom',
      path: ['catchUp', 'recheckInterval'],
      message: `at most ${MAX_CATCH_UP_ROUNDS} re-checks fit in the rollout window: make recheckInterval at least ${Math.ceil(rolloutWindow / MAX_CATCH_UP_ROUNDS / 60_000)} minutes`,
    });
  }
  checkThresholdOrder(plan, ctx);
  const seen = new Set<string>();
  plan.stages.forEach((stage, index) => {
    if (seen.has(stage.name)) {
      ctx.addIssue({ code: 'custom', path: ['stages', index, 'name'], message: `stage name "${stage.name}" is used twice: give each stage its own name` });
    }
    seen.add(stage.name);
    const { batchSize, maxConcurrent, queueDepthLimit } = resolveStage(plan, index);
    const events = batchHistoryBound({ devices: batchSize, maxConcurrent, queueDepthLimit, maximumAttempts: plan.retry.maximumAttempts, windowed: plan.maintenanceWindows.length > 0 });
    if (events > HISTORY_EVENT_LIMIT) {
      ctx.addIssue({
        code: 'custom',
        path: ['stages', index, 'batchSize'],
        message: `batches of ${batchSize} with maxConcurrent ${maxConcurrent} and ${plan.retry.maximumAttempts} attempts could record ${events} events in one batch's history, over Temporal's ${HISTORY_EVENT_LIMIT}: use smaller batches, a larger maxConcurrent or fewer attempts`,
      });
    }
  });
}

/** A stage with every setting resolved. */
export type ResolvedStage = Omit<Stage, keyof StageSettings> & StageSettings;

export function resolveStage(plan: Pick<Plan, 'defaults' | 'stages'>, index: number): ResolvedStage {
  const stage = plan.stages[index];
  if (!stage) throw new RangeError(`plan has no stage ${index}`);
  const overrides = Object.fromEntries(Object.entries(stage).filter(([, value]) => value !== undefined));
  return { ...plan.defaults, ...overrides } as ResolvedStage;
}

/** Failed updates after which a device is quarantined: the plan's own setting, else its retry budget. */
export const quarantineAfterAttempts = (plan: Pick<Plan, 'catchUp' | 'retry'>): number => plan.catchUp.quarantineAfterAttempts ?? plan.retry.maximumAttempts;
