import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { FailureType } from '../contracts/failures';
import { stageWorkflowId } from '../contracts/ids';
import {
  OperatorAction,
  pauseSignal,
  resumeSignal,
  rollbackSignal,
  stagePausedSignal,
  stageProgressSignal,
  statusQuery,
} from '../contracts/messages';
import { resolveStage } from '../contracts/plan';
import { RolloutInput, type ParsedRolloutInput, type RolloutReport } from '../contracts/rollout';
import { emptyCounts, type RolloutState, type RolloutStatus } from '../contracts/status';
import { fieldPath } from '../contracts/validation';
import { batchCount, scaled, stageSizes } from '../domain/planMath';
import { stageWorkflow } from './stage';

const { snapshotTargets, rollbackRollout } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

/**
 * A rollout: snapshots its targets, runs each stage of the plan as a child workflow, and answers
 * operators' pause, resume and rollback at any point. The workflow id is `rollout:<rolloutId>`.
 */
export async function rolloutWorkflow(rawInput: RolloutInput): Promise<RolloutReport> {
  const input = parseInput(rawInput);
  const { plan } = input;
  const status: RolloutStatus = {
    rolloutId: plan.rolloutId,
    firmwareVersion: plan.firmware.version,
    state: 'starting',
    stages: plan.stages.map((stage) => ({ name: stage.name, devices: 0, batches: 0, batchesDone: 0, state: 'pending', counts: emptyCounts() })),
    decisions: [],
    audit: [{ at: now(), action: 'start', by: input.startedBy }],
  };
  let paused = false;
  let rollbackRequested = false;
  let runningStage: ChildWorkflowHandle<typeof stageWorkflow> | undefined;
  let stageScope: CancellationScope | undefined;

  const setPaused = async (value: boolean) => {
    paused = value;
    if (status.state === 'running' || status.state === 'paused') status.state = value ? 'paused' : 'running';
    await runningStage?.signal(stagePausedSignal, { paused: value });
  };
  const audited = (action: string, handler: () => Promise<void> | void) => async (raw: OperatorAction) => {
    const operator = OperatorAction.parse(raw);
    status.audit.push({ at: now(), action, by: operator.by, ...(operator.reason ? { reason: operator.reason } : {}) });
    await handler();
  };
  setHandler(statusQuery, () => status);
  setHandler(pauseSignal, audited('pause', () => setPaused(true)));
  setHandler(resumeSignal, audited('resume', () => setPaused(false)));
  setHandler(
    rollbackSignal,
    audited('rollback', () => {
      rollbackRequested = true;
      stageScope?.cancel();
    }),
  );
  setHandler(stageProgressSignal, async (progress) => {
    const stage = status.stages.find((candidate) => candidate.name === progress.stage);
    if (!stage) return;
    stage.batchesDone = progress.batchesDone;
    stage.counts = progress.counts;
    if (progress.decision) {
      status.decisions.push(progress.decision);
      stage.state = 'held';
      await setPaused(true);
    }
  });

  const sizes = await snapshotTargets({
    rolloutId: plan.rolloutId,
    firmwareVersion: plan.firmware.version,
    stages: stageSizes(plan, Number.MAX_SAFE_INTEGER),
  });
  sizes.forEach((size, index) => {
    const stage = status.stages[index]!;
    stage.devices = size.devices;
    stage.batches = batchCount(size.devices, resolveStage(plan, index).batchSize);
    stage.counts = emptyCounts(size.devices);
  });
  status.state = 'running';

  for (const [index, size] of sizes.entries()) {
    if (size.devices === 0) continue;
    await condition(() => !paused || rollbackRequested);
    if (rollbackRequested) break;
    const stageStatus = status.stages[index]!;
    status.currentStage = stageStatus.name;
    stageStatus.state = 'running';
    stageScope = new CancellationScope();
    try {
      const result = await stageScope.run(() => runStage(input, index, size.devices, paused, (handle) => (runningStage = handle)));
      stageStatus.counts = result.counts;
    } catch (error) {
      if (isCancellation(error) && rollbackRequested) break;
      throw error;
    } finally {
      runningStage = undefined;
    }
    stageStatus.batchesDone = stageStatus.batches;
    stageStatus.state = 'completed';
  }

  if (rollbackRequested) {
    status.state = 'rolling_back';
    const first = resolveStage(plan, 0);
    await rollbackRollout({
      rolloutId: plan.rolloutId,
      maxConcurrent: first.maxConcurrent,
      maxPollIntervalMs: scaled(first.healthCheckInterval, input.speedup),
    });
    for (const stage of status.stages) if (stage.state !== 'pending') stage.state = 'rolled_back';
  }
  return finish(status, rollbackRequested ? 'rolled_back' : 'completed');
}

async function runStage(
  input: ParsedRolloutInput,
  index: number,
  devices: number,
  paused: boolean,
  onStarted: (handle: ChildWorkflowHandle<typeof stageWorkflow>) => void,
) {
  const { plan } = input;
  const stage = resolveStage(plan, index);
  const handle = await startChild(stageWorkflow, {
    workflowId: stageWorkflowId(plan.rolloutId, stage.name),
    args: [
      {
        rolloutId: plan.rolloutId,
        rolloutWorkflowId: workflowInfo().workflowId,
        stageIndex: index,
        stage,
        devices,
        firmware: plan.firmware,
        retry: plan.retry,
        preflight: plan.preflight,
        speedup: input.speedup,
        paused,
      },
    ],
    staticSummary: `stage ${stage.name}: ${devices} devices`,
  });
  onStarted(handle);
  return handle.result();
}

function parseInput(raw: RolloutInput): ParsedRolloutInput {
  const result = RolloutInput.safeParse(raw);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => `${fieldPath(issue.path)}: ${issue.message}`).join('; ');
  throw ApplicationFailure.nonRetryable(`rollout input is invalid: ${fields}`, FailureType.InvalidPlan);
}

function finish(status: RolloutStatus, state: Extract<RolloutState, 'completed' | 'rolled_back'>): RolloutReport {
  status.state = state;
  delete status.currentStage;
  return {
    rolloutId: status.rolloutId,
    state,
    stages: status.stages.map((stage) => ({ stage: stage.name, devices: stage.devices, counts: stage.counts })),
    elapsedMs: new Date().getTime() - workflowInfo().startTime.getTime(),
  };
}

const now = (): string => new Date().toISOString();
