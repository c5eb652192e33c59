import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SnapshotInput } from '../activities/targets';
import { FailureType } from '../model/failures';
import { healthWatchWorkflowId, stageWorkflowId } from '../model/ids';
import { resolveStage } from '../model/plan';
import { resolvedRolloutSchemaFor, type ResolvedRolloutInput, type RolloutReport } from '../model/rollout';
import { issueLine } from '../model/validation';
import { settleLateRollback } from '../model/gates';
import { measuredBaseline } from '../model/health/observation';
import { batchCount } from '../model/planMath';
import { deviceChange, healthTarget } from '../model/deviceChange';
import { catchUpMissed } from './rolloutCatchUp';
import { CrashResponse } from './crashResponse';
import { healthWatchWorkflow } from './healthWatch';
import { rollbackSettings } from './rollbackSettings';
import { RolloutControl } from './rolloutControl';
import { stageWorkflow, type StageInput, type StageResult } from './stage';
import { nowMs, nowIso } from './workflowTime';
import { ROLLOUT_STEPS } from './activityOptions';

const { verifyFirmware } = proxyActivities<Activities>({ ...ROLLOUT_STEPS, summary: 'verify the firmware image: not quarantined, SHA-256, signature' });
const { snapshotTargets, snapshotClaimedTargets } = proxyActivities<Activities>({ ...ROLLOUT_STEPS, summary: 'snapshot the target devices into the ledger' });
const { releaseDeviceClaims } = proxyActivities<Activities>({ ...ROLLOUT_STEPS, summary: 'free the devices this rollout held for other rollouts' });
/** Rollouts started before device claims neither claim their targets nor release them. */
const DEVICE_CLAIMS_PATCH = 'device-claims';
const { rollbackRollout } = proxyActivities<Activities>({ ...ROLLOUT_STEPS, summary: 'roll back every device this rollout updated' });
const { rollbackBatch } = proxyActivities<Activities>({ ...ROLLOUT_STEPS, summary: "roll back the stage's updated devices" });
const { sampleFleetHealth } = proxyActivities<Activities>({ ...ROLLOUT_STEPS, summary: "measure the fleet's health baseline" });
/** Enough gateways to estimate a crash rate of a few per thousand gateway-hours. */
const BASELINE_SAMPLE_DEVICES = 500;
const { quarantineFirmware } = proxyActivities<Activities>({ ...ROLLOUT_STEPS, summary: 'quarantine the firmware so no rollout ships it again' });

/**
 * A rollout: snapshots its targets, runs each stage of the plan as a child workflow, and answers
 * operators' pause, resume, approve, rollback and abort at any point. The workflow id is `rollout:<rolloutId>`.
 */
export async function rolloutWorkflow(rawInput: ResolvedRolloutInput): Promise<RolloutReport> {
  const input = parseInput(rawInput);
  const control = new RolloutControl(input);
  control.install();
  new CrashResponse(input, control).install();
  if (!patched(DEVICE_CLAIMS_PATCH)) return runRollout(input, control, false);
  try {
    return await runRollout(input, control, true);
  } finally {
    // Completed, rolled back, aborted, failed or cancelled: the devices go to the next rollout.
    await CancellationScope.nonCancellable(() => releaseDeviceClaims(input.plan.rolloutId));
  }
}

async function runRollout(input: ResolvedRolloutInput, control: RolloutControl, claimsDevices: boolean): Promise<RolloutReport> {
  const { plan } = input;
  // A flag change downloads nothing: there is no image to verify.
  if (plan.kind !== 'flag') await verifyFirmware(plan.firmware);

  const snapshot: SnapshotInput = {
    rolloutId: plan.rolloutId,
    ...(plan.kind === 'flag' ? { flag: plan.flag } : { firmwareVersion: plan.firmware.version, versionPolicy: plan.versionPolicy }),
    stages: plan.stages,
    maintenanceWindows: plan.maintenanceWindows,
    cohortBy: plan.health.evidence.cohortBy,
  };
  const { stages: sizes, claimedElsewhere } = claimsDevices ? await snapshotClaimedTargets(snapshot) : { stages: await snapshotTargets(snapshot), claimedElsewhere: [] };
  control.targetsSnapshotted(sizes, (index, devices) => batchCount(devices, resolveStage(plan, index).batchSize), claimedElsewhere);
  const judged = await withFleetBaseline(input);
  const watch = new CancellationScope();
  const watching = watch.run(() => watchHealth(judged)).catch(unlessCancelled);

  let nextStageFactor: number | undefined;
  for (const [index, size] of sizes.entries()) {
    if (size.devices === 0) continue;
    const result = await runStageInParts(judged, control, index, size.devices, nextStageFactor);
    if (!result) break;
    if (result === STAGE_ROLLED_BACK) continue;
    control.stageCompleted(index, result.counts);
    nextStageFactor = result.monitoring.verdict === 'passed' ? result.monitoring.nextStageFactor : undefined;
  }
  const missed = control.stopRequested ? undefined : await catchUpMissed(judged, control);
  watch.cancel();
  await watching;

  if (control.rollbackRequested) {
    control.rollingBack();
    const { rolledBackByStage } = await rollbackRollout(rollbackSettings(input));
    control.rolledBack(rolledBackByStage);
  }
  const state = control.finished();
  if (state === 'completed' && missed && missed.total > 0) {
    control.alerts.raise({ kind: 'completed_with_misses', missed: missed.total, updated: control.status.devices.succeeded });
  }
  await condition(allHandlersFinished);
  await control.alerts.started();
  return {
    rolloutId: plan.rolloutId,
    state,
    stages: control.status.stages.map((stage) => ({ stage: stage.name, devices: stage.devices, counts: stage.counts })),
    elapsedMs: (nowMs() - workflowInfo().startTime.getTime()) * input.speedup,
    ...(missed && state === 'completed' ? { missed } : {}),
  };
}

/** A stage an operator rolled back: the rollout goes on with the next one once resumed. */
const STAGE_ROLLED_BACK = 'stage rolled back';

/**
 * Runs a stage; after a pause that its deadline resolved, the stage is taken in two parts, the first
 * `factor` of its batches monitored on their own. Undefined when the rollout is being rolled back.
 */
async function runStageInParts(
  input: ResolvedRolloutInput,
  control: RolloutControl,
  index: number,
  devices: number,
  factor: number | undefined,
): Promise<StageResult | typeof STAGE_ROLLED_BACK | undefined> {
  const batches = batchCount(devices, resolveStage(input.plan, index).batchSize);
  const firstPartBatches = factor === undefined ? batches : Math.max(1, Math.ceil(batches * factor));
  let result: StageResult | undefined;
  for (const part of firstPartBatches < batches ? [1, 2] : [1]) {
    await control.untilStageMayStart(index);
    if (control.stopRequested) return undefined;
    const resumeFrom = result && { nextBatch: result.batchesDone, counts: result.counts };
    const ran = await runStage(input, control, index, devices, { part, ...(part === 1 ? { untilBatch: firstPartBatches } : { progress: resumeFrom! }) });
    if (ran === undefined || ran === STAGE_ROLLED_BACK) return ran;
    result = ran;
    if (result.monitoring.verdict === 'roll_back') {
      await rollBackForHealth(input, control, result);
      return undefined;
    }
  }
  return result;
}

/** A critical health finding, or a deadline that passed on bad metrics: roll back all and quarantine the firmware (a flag has none). */
async function rollBackForHealth(input: ResolvedRolloutInput, control: RolloutControl, result: StageResult): Promise<void> {
  if (result.monitoring.verdict !== 'roll_back') return;
  const { reason, quarantine } = result.monitoring;
  control.rollBackBecause({ at: nowIso(), stage: result.stage, gate: 'monitoring', action: 'roll_back', reason });
  const { plan } = input;
  if (!quarantine || plan.kind === 'flag') return;
  await quarantineFirmware({ version: plan.firmware.version, reason: `rollout ${plan.rolloutId}, stage ${result.stage}: ${reason}` });
  control.firmwareQuarantined();
}

/**
 * Runs one stage (or one part of it) as a child workflow. A rollback or abort request cancels it and
 * yields undefined; an operator's rollback of just this stage cancels it and returns its devices.
 */
async function runStage(
  input: ResolvedRolloutInput,
  control: RolloutControl,
  index: number,
  devices: number,
  { part, untilBatch, progress }: { part: number; untilBatch?: number; progress?: StageInput['progress'] },
): Promise<StageResult | typeof STAGE_ROLLED_BACK | undefined> {
  const { plan } = input;
  const stage = resolveStage(plan, index);
  const scope = new CancellationScope();
  try {
    return await scope.run(async () => {
      const handle = await startChild(stageWorkflow, {
        workflowId: stageWorkflowId(plan.rolloutId, stage.name, part),
        args: [
          {
            rolloutId: plan.rolloutId,
            rolloutWorkflowId: workflowInfo().workflowId,
            stageIndex: index,
            stage,
            devices,
            ...deviceChange(plan),
            retry: plan.retry,
            health: plan.health,
            maintenanceWindows: plan.maintenanceWindows,
            monitoredStages: plan.stages.length,
            speedup: input.speedup,
            paused: control.isPaused,
            ...(untilBatch === undefined ? {} : { untilBatch }),
            ...(progress ? { progress } : {}),
            ...(plan.priority ? { priority: plan.priority } : {}),
          },
        ],
        staticSummary: `stage ${stage.name}: ${devices} devices`,
      });
      control.stageStarted(index, handle, scope);
      return handle.result();
    });
  } catch (error) {
    if (!isCancellation(error)) throw error;
    if (control.stopRequested) return undefined;
    const reason = control.takeStageRollback();
    if (reason === undefined) throw error;
    const { rolledBack } = await rollbackBatch({ ...rollbackSettings(input), stageIndex: index, offset: 0, devices });
    control.stageRolledBack(index, settleLateRollback(control.status.stages[index]!.counts, rolledBack), reason);
    return STAGE_ROLLED_BACK;
  }
}

/** Runs the rollout's health watch until cancelled: the crash test over every hour from the first update on. */
async function watchHealth({ plan, speedup }: ResolvedRolloutInput): Promise<void> {
  const handle = await startChild(healthWatchWorkflow, {
    workflowId: healthWatchWorkflowId(plan.rolloutId),
    args: [
      {
        rolloutId: plan.rolloutId,
        rolloutWorkflowId: workflowInfo().workflowId,
        ...healthTarget(deviceChange(plan)),
        evidence: plan.health.evidence,
        severity: plan.health.policy.severity,
        baselineRatePerDeviceHour: plan.health.baseline.crashRatePerDeviceHour,
        speedup,
      },
    ],
    staticSummary: `health watch: crash rate per ${plan.health.evidence.cohortBy} against the control`,
  });
  await handle.result();
}

function unlessCancelled(error: unknown): void {
  if (!isCancellation(error)) throw error;
}

/** The plan with the health baseline measured on this fleet, when the plan asks for it. */
async function withFleetBaseline(input: ResolvedRolloutInput): Promise<ResolvedRolloutInput> {
  const { health } = input.plan;
  if (!health.measureBaseline) return input;
  const { flag } = healthTarget(deviceChange(input.plan));
  const sample = await sampleFleetHealth({ rolloutId: input.plan.rolloutId, limit: BASELINE_SAMPLE_DEVICES, ...(flag ? { flag } : {}) });
  return { ...input, plan: { ...input.plan, health: { ...health, baseline: measuredBaseline(sample, health.baseline) } } };
}

/** A field left out is one the client did not resolve: say so, rather than zod's "expected …, received undefined". */
const unresolved = (issue: { input?: unknown }) => (issue.input === undefined ? 'missing: start rollouts through RolloutClient.start, which resolves every default' : undefined);

function parseInput(raw: ResolvedRolloutInput): ResolvedRolloutInput {
  const result = resolvedRolloutSchemaFor(raw).safeParse(raw, { error: unresolved });
  if (result.success) return result.data;
  throw ApplicationFailure.nonRetryable(`rollout input is invalid: ${issueLine(result.error)}`, FailureType.InvalidPlan);
}
