import { condition, getExternalWorkflowHandle, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { batchProgressSignal } from './engineMessages';
import type { DeviceCounts, DeviceOutcome } from '../model/status';
import { BatchOutcomes } from '../model/batchOutcomes';
import { MILESTONE_POLLS_PER_BATCH, PROGRESS_REPORTS_PER_BATCH } from '../model/historyBudget';
import { scaled, scaledTimeout } from '../model/planMath';
import type { BatchInput, BatchResult } from './batchInput';
import { updateInGroups, ExcusedWaits } from './deviceUpdates';
import { withdrawnOutcome } from '../model/deviceAttempts';
import { nowMs } from './workflowTime';
import { BATCH_BOOKKEEPING } from './activityOptions';
import { operationKindInput } from '../model/deviceChange';

const { preflightBatch, recordOutcomes, countReachedMilestone, outcomesAtTimeout, batchAtTimeout } = proxyActivities<Activities>(BATCH_BOOKKEEPING);

/** At its timeout a batch reads the fleet's current answer for the devices it has not heard end before the gate judges it. */
const OUTCOMES_AT_TIMEOUT_PATCH = 'batch-timeout-fresh-outcomes';

/**
 * A device the batch has not sent its update by the timeout is not late: its worker was down, its
 * fleet out of reach or its turn at the service's limit had not come. While any is, the gate is not
 * judged and the timeout passes again, from then, and once more after the last device was found
 * sent; the fresh successes are kept.
 */
const UNSENT_NOT_LATE_PATCH = 'batch-timeout-unsent-not-late';

/**
 * A batch's timeout counts from the end of its preflight: no device of it can be late before the
 * batch has sent it anything, and a preflight that waited for a restarting worker or ledger (a minute
 * for a worker killed while it ran) would otherwise spend the devices' time.
 */
const TIMEOUT_AFTER_PREFLIGHT_PATCH = 'batch-timeout-after-preflight';

/** The batch timeout's clock: the waits it does not count and the moment it reports the timeout. */
interface BatchClock {
  waits: ExcusedWaits;
  timeout: Promise<void>;
}

/**
 * Updates one batch: preflight, then every ready device with per-device retries, then records
 * outcomes. Tells its stage how far it got as the batch passes the pipelining state and as devices end.
 */
export async function batchWorkflow(input: BatchInput): Promise<BatchResult> {
  const { rolloutId, stageIndex, offset, devices, stage, catchUpRound } = input;
  const progress = new BatchProgressReporter(input.batchIndex, devices);
  let updatesEnded = false;
  const startTimeout = (): BatchClock => {
    const waits = new ExcusedWaits();
    const timeout = reportTimeout(input, () => updatesEnded, progress, waits);
    // Awaited below; handled here too, as a cancelled batch never gets there (so is `milestone`).
    timeout.catch(() => undefined);
    return { waits, timeout };
  };
  const startedBeforePreflight = patched(TIMEOUT_AFTER_PREFLIGHT_PATCH) ? undefined : startTimeout();

  // A batch that started before maintenance windows existed has no `readyInWindow` in its history.
  const { ready, readyInWindow = [], deferred, withdrawn, fleetBudget } = await preflightBatch({ rolloutId, stageIndex, offset, devices, catchUpRound, rules: input.preflight });
  const { waits, timeout } = startedBeforePreflight ?? startTimeout();
  const notUpdated = [
    ...deferred.map(({ deviceId, reason }) => ({ deviceId, stage: stage.name, state: 'deferred' as const, attempts: 0, reason })),
    ...withdrawn.map((deviceId) => withdrawnOutcome(deviceId, stage.name)),
  ];
  progress.ended.updatingDevices([...ready, ...readyInWindow.flatMap((group) => group.deviceIds)]);
  progress.devicesEnded(notUpdated);
  const milestone = watchMilestone(input, notUpdated.length, () => updatesEnded, progress);
  milestone.catch(() => undefined);
  await updateInGroups(input, { ready, readyInWindow, fleetBudget }, waits, (outcomes) => progress.devicesEnded(outcomes));
  updatesEnded = true;
  await Promise.all([timeout, milestone]);
  await recordOutcomes({ rolloutId, outcomes: progress.ended.outcomes });
  await progress.flushed();
  return { counts: progress.counts };
}

/**
 * The stage asks whether this batch is far enough along only once the gap after it has passed, and
 * only a batch smaller than `maxConcurrent` leaves room for the next one before it ends. So such a
 * batch reads the fleet from the end of the gap, every health-check interval, until enough of it
 * reached the pipelining state (deferred devices count), its updates end, its timeout passes or it
 * has polled MILESTONE_POLLS_PER_BATCH times; after that the stage pipelines on the ended devices
 * the progress reports count.
 */
async function watchMilestone(input: BatchInput, deferred: number, updatesEnded: () => boolean, progress: BatchProgressReporter): Promise<void> {
  const { rolloutId, stageIndex, offset, devices, stage, speedup, catchUpRound } = input;
  const needed = Math.ceil(stage.pipelineFraction * devices) - deferred;
  if (needed <= 0 || stage.batchSize >= stage.maxConcurrent) return;
  const timeoutAt = nowMs() + scaledTimeout(stage.batchTimeout, speedup);
  if (await condition(updatesEnded, scaled(stage.batchGap, speedup))) return;
  for (let poll = 0; poll < MILESTONE_POLLS_PER_BATCH && nowMs() < timeoutAt; poll++) {
    const reached = await countReachedMilestone({ rolloutId, stageIndex, offset, devices, catchUpRound, milestone: stage.pipelineState, ...operationKindInput(input) });
    if (reached >= needed) return progress.milestoneReached(reached + deferred);
    if (await condition(updatesEnded, Math.min(scaled(stage.healthCheckInterval, speedup), Math.max(1, timeoutAt - nowMs())))) return;
  }
}

/**
 * The gate is judged at the batch timeout on the counts of that moment, which only the batch knows
 * exactly. Devices waiting for their maintenance window or their turn at the fleet budget are not
 * late: the timeout does not pass while any wait, and counts again from the latest end of a wait. A
 * device whose update the fleet reports succeeded counts as succeeded however late its attempt
 * reports: the batch asks the fleet about the devices it has not heard end before it reports the
 * timeout, and does not report it while any of them has not been sent its update.
 */
async function reportTimeout(input: BatchInput, updatesEnded: () => boolean, progress: BatchProgressReporter, waits: ExcusedWaits): Promise<void> {
  const timeoutMs = scaledTimeout(input.stage.batchTimeout, input.speedup);
  let unsentAtLastCheck = false;
  for (;;) {
    await condition(() => updatesEnded() || waits.waiting === 0);
    if (updatesEnded()) return;
    const from = waits.lastEndedAt;
    const interrupted = () => updatesEnded() || waits.waiting > 0 || waits.lastEndedAt !== from;
    if (await condition(interrupted, Math.max(1, from + timeoutMs - nowMs()))) continue;
    const unheard = { rolloutId: input.rolloutId, stage: input.stage.name, deviceIds: progress.ended.unheard(), ...operationKindInput(input) };
    if (patched(UNSENT_NOT_LATE_PATCH)) {
      const { succeeded, notSent } = await batchAtTimeout(unheard);
      progress.heard(succeeded);
      // Devices sent since the last check may have been sent just now: a whole timeout passes for them first.
      if (updatesEnded() || (notSent === 0 && !unsentAtLastCheck)) return progress.timedOut();
      unsentAtLastCheck = notSent > 0;
      waits.excusedUntilNow();
      continue;
    }
    if (patched(OUTCOMES_AT_TIMEOUT_PATCH)) progress.heard(await outcomesAtTimeout(unheard));
    return progress.timedOut();
  }
}

/**
 * Keeps the batch's counts and signals them to the parent stage when they matter to it: when the
 * milestone is reached, at the timeout, and whenever another tenth of the batch's devices has ended.
 */
class BatchProgressReporter {
  /** The batch's devices by outcome, each counted once. */
  readonly ended: BatchOutcomes;
  private reachedMilestone = 0;
  private pastTimeout = false;
  private readonly reportEvery: number;
  private readonly sent: Promise<void>[] = [];
  private readonly stage = getExternalWorkflowHandle(workflowInfo().parent!.workflowId);

  constructor(
    private readonly batchIndex: number,
    private readonly devices: number,
  ) {
    this.ended = new BatchOutcomes(devices);
    this.reportEvery = Math.ceil(devices / PROGRESS_REPORTS_PER_BATCH);
  }

  /** `count` devices (deferred ones included) got as far as the pipelining state. */
  milestoneReached(count: number): void {
    this.reachedMilestone = Math.max(this.reachedMilestone, count);
    this.send();
  }

  get counts(): DeviceCounts {
    return this.ended.counts;
  }

  /** Devices ended: reported to the stage whenever another tenth of the batch has. */
  devicesEnded(outcomes: readonly DeviceOutcome[]): void {
    const before = this.devices - this.counts.pending;
    this.heard(outcomes);
    const ended = this.devices - this.counts.pending;
    // The last devices need no report: the batch's result follows.
    const crossedStep = Math.floor(ended / this.reportEvery) > Math.floor(before / this.reportEvery);
    if (crossedStep && ended < this.devices) this.send();
  }

  /** Devices ended, counted without a report of their own (one follows). */
  heard(outcomes: readonly DeviceOutcome[]): void {
    this.ended.heard(outcomes);
    this.reachedMilestone = Math.max(this.reachedMilestone, this.devices - this.counts.pending);
  }

  timedOut(): void {
    this.pastTimeout = true;
    this.send();
  }

  async flushed(): Promise<void> {
    await Promise.all(this.sent);
  }

  private send(): void {
    const sending = this.stage.signal(batchProgressSignal, {
      batchIndex: this.batchIndex,
      reachedMilestone: this.reachedMilestone,
      counts: this.counts,
      timedOut: this.pastTimeout,
    });
    // Awaited in flushed(); handled here too, as a cancelled batch never gets there.
    sending.catch(() => undefined);
    this.sent.push(sending);
  }
}
