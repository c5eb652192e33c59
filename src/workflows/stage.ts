import {
  condition,
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { StageHealth } from '../activities/health';
import { batchWorkflowId } from '../contracts/ids';
import { stagePausedSignal, stageProgressSignal, type StageProgress } from '../contracts/messages';
import type { ResolvedStage, RetrySettings } from '../contracts/plan';
import type { DeviceCounts, Decision } from '../contracts/status';
import { emptyCounts } from '../contracts/status';
import { batchGate, settleBatch, settleRollback } from '../domain/gates';
import type { PreflightRules } from '../domain/preflight';
import { batchCount, batchRange, scaled } from '../domain/planMath';
import type { FirmwareRef } from '../fleet/provider';
import { batchWorkflow } from './batch';

export interface StageInput {
  rolloutId: string;
  rolloutWorkflowId: string;
  stageIndex: number;
  stage: ResolvedStage;
  devices: number;
  firmware: FirmwareRef;
  retry: RetrySettings;
  preflight: PreflightRules;
  speedup: number;
  paused: boolean;
  /** Carried across continue-as-new. */
  progress?: { nextBatch: number; counts: DeviceCounts };
}

export interface StageResult {
  stage: string;
  devices: number;
  counts: DeviceCounts;
  health: StageHealth | undefined;
}

/**
 * Health polls never come faster than this in real time, whatever the speed-up: a demo playing a
 * 6-hour window in 18 s polls 18 times, not 360. At speed-up 1 the plan's interval always wins.
 */
const MIN_REAL_HEALTH_POLL_MS = 1_000;

/** Progress reaches the rollout at most this many times per stage, so its history stays bounded. */
const PROGRESS_REPORTS_PER_STAGE = 200;

const { checkStageHealth, rollbackDevices } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * One stage of a rollout: its batches one after another with a durable gap between them, each
 * judged by the batch gate, then a monitoring window of periodic health polls.
 */
export async function stageWorkflow(input: StageInput): Promise<StageResult> {
  const { stage, devices } = input;
  const batches = batchCount(devices, stage.batchSize);
  const reportEvery = Math.max(1, Math.ceil(batches / PROGRESS_REPORTS_PER_STAGE));
  let paused = input.paused;
  let counts = input.progress?.counts ?? emptyCounts(devices);
  setHandler(stagePausedSignal, (message) => {
    paused = message.paused;
  });
  const rollout = getExternalWorkflowHandle(input.rolloutWorkflowId);
  const report = (batchesDone: number, decision?: Decision) =>
    rollout.signal(stageProgressSignal, { stage: stage.name, batchesDone, counts, ...(decision ? { decision } : {}) } satisfies StageProgress);

  for (let batch = input.progress?.nextBatch ?? 0; batch < batches; batch++) {
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof stageWorkflow>({ ...input, paused, progress: { nextBatch: batch, counts } });
    }
    await condition(() => !paused);
    if (batch > 0) await sleep(scaled(stage.batchGap, input.speedup), { summary: `gap before batch ${batch + 1} of ${stage.name}` });
    await condition(() => !paused);
    const result = await runBatch(input, batch);
    counts = settleBatch(counts, result.counts);
    const verdict = batchGate(result.counts, stage);
    const isLast = batch === batches - 1;
    if (verdict.action === 'continue') {
      if (isLast || (batch + 1) % reportEvery === 0) await report(batch + 1);
      continue;
    }
    if (verdict.action === 'roll_back') {
      const rolledBack = await rollbackDevices({
        rolloutId: input.rolloutId,
        deviceIds: result.deviceIds,
        maxConcurrent: stage.maxConcurrent,
        maxPollIntervalMs: scaled(stage.healthCheckInterval, input.speedup),
      });
      counts = settleRollback(counts, rolledBack.rolledBack);
    }
    paused = true;
    await report(batch + 1, {
      at: new Date().toISOString(),
      stage: stage.name,
      gate: `batch ${batch + 1}`,
      action: verdict.action === 'hold' ? 'hold' : 'roll_back',
      reason: verdict.reason,
    });
  }
  const health = await monitor(input);
  return { stage: stage.name, devices, counts, health };
}

function runBatch(input: StageInput, batch: number) {
  const range = batchRange(input.devices, input.stage.batchSize, batch);
  const { progress: _progress, paused: _paused, rolloutWorkflowId: _parent, ...shared } = input;
  return executeChild(batchWorkflow, {
    workflowId: batchWorkflowId(input.rolloutId, input.stage.name, batch),
    args: [{ ...shared, offset: range.offset, devices: range.devices }],
    staticSummary: `${input.stage.name}: batch ${batch + 1}, ${range.devices} devices`,
  });
}

/** Waits out the monitoring window on durable timers, polling stage health every interval. */
async function monitor(input: StageInput): Promise<StageHealth | undefined> {
  const { stage, speedup } = input;
  const pollEvery = Math.max(stage.healthCheckInterval, MIN_REAL_HEALTH_POLL_MS * speedup);
  const polls = Math.max(1, Math.floor(stage.monitorWindow / pollEvery));
  const interval = scaled(stage.monitorWindow / polls, speedup);
  let health: StageHealth | undefined;
  for (let poll = 1; poll <= polls; poll++) {
    await sleep(interval, { summary: `monitoring ${stage.name}: health check ${poll} of ${polls}` });
    health = await checkStageHealth({
      rolloutId: input.rolloutId,
      stageIndex: input.stageIndex,
      devices: input.devices,
      firmwareVersion: input.firmware.version,
    });
  }
  return health;
}
