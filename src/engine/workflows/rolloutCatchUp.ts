import { CancellationScope, isCancellation, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { catchUpWorkflowId } from '../model/ids';
import { quarantineAfterAttempts } from '../model/plan';
import type { MissedReport, ResolvedRolloutInput } from '../model/rollout';
import { CATCH_UP } from '../model/status';
import { scaled } from '../model/planMath';
import { deviceChange, operationKindInput } from '../model/deviceChange';
import { catchUpWorkflow, type CatchUpRoundSettings } from './catchUp';
import type { RolloutControl } from './rolloutControl';
import { FLEET_WIDE } from './activityOptions';

const { tallyMissed } = proxyActivities<Activities>({
  ...FLEET_WIDE,
  summary: 'tally who missed the rollout and why',
});

/**
 * After the last stage passed: the catch-up phase as a child workflow until the rollout window
 * closes or nobody is left, then each stage's final counts and who missed the rollout and why.
 * Undefined when an operator stopped the rollout meanwhile.
 */
export async function catchUpMissed(input: ResolvedRolloutInput, control: RolloutControl): Promise<MissedReport | undefined> {
  const { plan, speedup } = input;
  const { rolloutWindow, recheckInterval } = plan.catchUp;
  const closesAt = workflowInfo().startTime.getTime() + scaled(rolloutWindow, speedup);
  const scope = new CancellationScope();
  try {
    await scope.run(async () => {
      const handle = await startChild(catchUpWorkflow, {
        workflowId: catchUpWorkflowId(plan.rolloutId),
        args: [
          {
            rollout: roundSettings(input),
            rolloutWorkflowId: workflowInfo().workflowId,
            quarantineAfterAttempts: quarantineAfterAttempts(plan),
            recheckInterval,
            closesAt,
            maxRounds: Math.floor(rolloutWindow / recheckInterval),
            paused: control.isPaused,
          },
        ],
        staticSummary: `catch-up: re-check missed devices every ${recheckInterval / 60_000} min until ${new Date(closesAt).toISOString()}`,
      });
      control.catchUpStarted(handle, scope, new Date(closesAt));
      await handle.result();
    });
  } catch (error) {
    if (isCancellation(error) && control.stopRequested) return undefined;
    throw error;
  }
  const tally = await tallyMissed({
    rolloutId: plan.rolloutId,
    quarantineAfterAttempts: quarantineAfterAttempts(plan),
    stages: plan.stages.map((stage) => stage.name),
    ...operationKindInput(deviceChange(plan)),
  });
  control.catchUpEnded(tally.stageCounts);
  return tally.missed;
}

/**
 * A round is a stage of the plan's default settings, without a monitoring window, and with one
 * attempt per device: the re-check interval is its backoff, and a device is never sent more than
 * the failed updates it has left.
 */
function roundSettings({ plan, speedup }: ResolvedRolloutInput): CatchUpRoundSettings {
  return {
    rolloutId: plan.rolloutId,
    stageIndex: plan.stages.length,
    stage: { ...plan.defaults, name: CATCH_UP, devices: 0, monitorWindow: 0, advance: 'auto' },
    ...deviceChange(plan),
    retry: { ...plan.retry, maximumAttempts: 1 },
    health: plan.health,
    maintenanceWindows: plan.maintenanceWindows,
    speedup,
    ...(plan.priority ? { priority: plan.priority } : {}),
  };
}
