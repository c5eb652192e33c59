import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { catchUpProgressSignal, type CatchUpProgress } from './engineMessages';
import { catchUpRoundWorkflowId } from '../model/ids';
import { stagePausedSignal, stageProgressSignal, type StageProgress } from './messages';
import { emptyCounts } from '../model/status';
import { CATCH_UP_REPORTS_PER_ROLLOUT, CATCH_UP_ROUNDS_PER_RUN } from '../model/historyBudget';
import { batchCount, scaled } from '../model/planMath';
import { stageWorkflow, type StageSettingsInput } from './stage';
import { operationKindInput, type DeviceChange } from '../model/deviceChange';
import { nowMs } from './workflowTime';
import { FLEET_WIDE } from './activityOptions';

/** What every round's stage shares: the plan's settings, under the stage name `catch-up`. */
export type CatchUpRoundSettings = Omit<StageSettingsInput, 'rolloutWorkflowId' | 'devices' | 'paused' | 'untilBatch' | 'progress' | 'catchUpRound'> & DeviceChange;

export interface CatchUpInput {
  rollout: CatchUpRoundSettings;
  rolloutWorkflowId: string;
  quarantineAfterAttempts: number;
  /** Plan time between two re-checks. */
  recheckInterval: number;
  /** Workflow time (epoch ms) the rollout window closes: no round starts after it. */
  closesAt: number;
  /** Rounds that fit in the window, for spacing the reports to the rollout. */
  maxRounds: number;
  paused: boolean;
  /** The round to select next; carried across continue-as-new. */
  nextRound?: number;
}

export interface CatchUpResult {
  rounds: number;
}

const { selectCatchUpRound } = proxyActivities<Activities>({
  ...FLEET_WIDE,
  summary: 'quarantine devices out of attempts; list those that missed their turn',
});

/**
 * The catch-up phase after a rollout's last stage: every `recheckInterval` until the window closes,
 * it lists the devices that missed their turn (quarantining those out of attempts) and runs them as a
 * round, a stage named `catch-up` through the usual batches, preflight and gates. It ends early once
 * nobody is left. Its rounds report to it, and it to the rollout sparingly, so neither history grows
 * with the number of rounds; it continues as new every CATCH_UP_ROUNDS_PER_RUN rounds.
 */
export async function catchUpWorkflow(input: CatchUpInput): Promise<CatchUpResult> {
  const phase = new CatchUpPhase(input);
  phase.install();
  const firstRound = input.nextRound ?? 1;
  const reportEvery = Math.max(1, Math.ceil(input.maxRounds / CATCH_UP_REPORTS_PER_ROLLOUT));
  for (let round = firstRound; ; round++) {
    if (round - firstRound >= CATCH_UP_ROUNDS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof catchUpWorkflow>({ ...input, paused: phase.paused, nextRound: round });
    }
    const devices = await selectCatchUpRound({
      rolloutId: input.rollout.rolloutId,
      round,
      quarantineAfterAttempts: input.quarantineAfterAttempts,
      ...operationKindInput(input.rollout),
    });
    const recheckAt = nowMs() + scaled(input.recheckInterval, input.rollout.speedup);
    if (devices === 0 || recheckAt >= input.closesAt) return { rounds: round - 1 };
    if (round === firstRound || round % reportEvery === 0) await phase.report({ round, devices, nextRecheckAt: new Date(recheckAt).toISOString() });
    await sleep(recheckAt - nowMs(), { summary: `re-check ${devices} devices in round ${round}` });
    // A paused rollout starts the round paused: its stage waits to start batches until the resume reaches it.
    await phase.runRound(round, devices);
  }
}

class CatchUpPhase {
  paused: boolean;
  private round: { number: number; handle: ChildWorkflowHandle<typeof stageWorkflow> } | undefined;
  private readonly rollout;

  constructor(private readonly input: CatchUpInput) {
    this.paused = input.paused;
    this.rollout = getExternalWorkflowHandle(input.rolloutWorkflowId);
  }

  install(): void {
    // The handlers return their relays, so the run continues as new only once each was sent.
    setHandler(stagePausedSignal, async ({ paused }) => {
      this.paused = paused;
      await this.round?.handle.signal(stagePausedSignal, { paused }).catch((error: unknown) => log.warn('the round did not get the pause change', { paused, error }));
    });
    // A gate that stopped or released a round is the rollout's to show at once; other progress waits for the next report.
    setHandler(stageProgressSignal, async (progress) => {
      if (progress.decision && this.round) await this.relayDecision(this.round.number, progress).catch((error: unknown) => log.warn('the rollout did not get the decision', { error }));
    });
  }

  async runRound(round: number, devices: number): Promise<void> {
    const handle = await startChild(stageWorkflow, {
      workflowId: catchUpRoundWorkflowId(this.input.rollout.rolloutId, round),
      args: [{ ...this.input.rollout, rolloutWorkflowId: workflowInfo().workflowId, devices, paused: this.paused, catchUpRound: round }],
      staticSummary: `catch-up round ${round}: ${devices} devices`,
    });
    this.round = { number: round, handle };
    await handle.result();
    this.round = undefined;
  }

  async report(progress: Pick<CatchUpProgress, 'round' | 'devices' | 'nextRecheckAt'>): Promise<void> {
    const batches = batchCount(progress.devices, this.input.rollout.stage.batchSize);
    await this.rollout.signal(catchUpProgressSignal, { ...progress, batches, batchesDone: 0, counts: emptyCounts(progress.devices) });
  }

  private async relayDecision(round: number, { decision, batchesDone, counts }: StageProgress): Promise<void> {
    this.paused = decision!.action !== 'continue';
    const devices = Object.values(counts).reduce((sum, count) => sum + count, 0);
    const batches = batchCount(devices, this.input.rollout.stage.batchSize);
    await this.rollout.signal(catchUpProgressSignal, { round, devices, batches, batchesDone, counts, decision: decision! });
  }
}
