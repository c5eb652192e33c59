import { condition, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { HealthSettings, ResolvedStage } from '../model/plan';
import type { HealthTarget } from '../model/deviceChange';
import type { Decision } from '../model/status';
import { decideOnExpiredDeadline } from '../model/health/deadline';
import { describeTriggers, stillUnresponsive, toObservation, type StageHealth } from '../model/health/observation';
import { evaluateHealth, policyPerLook, type HealthEvaluation, type HealthMetric, type HealthPolicy } from '../model/health/triggers';
import { HEALTH_POLLS_PER_RUN, POLLS_PER_DEADLINE } from '../model/historyBudget';
import { scaled } from '../model/planMath';
import { nowMs, nowIso } from './workflowTime';
import { HEALTH_CHECK } from './activityOptions';

const { checkStageHealth } = proxyActivities<Activities>(HEALTH_CHECK);

/**
 * Health polls never come faster than this in real time, whatever the speed-up: a demo playing a
 * 6-hour window in 18 s polls 18 times, not 360. At speed-up 1 the plan's interval always wins.
 */
export const MIN_REAL_HEALTH_POLL_MS = 1_000;

export interface MonitoredStage extends HealthTarget {
  rolloutId: string;
  stage: ResolvedStage;
  health: HealthSettings;
  speedup: number;
  /** Stages of the rollout with a monitoring window: their polls share the health policy's α. */
  monitoredStages: number;
}

/** How the monitor pauses and resumes its stage, and tells the rollout why. */
export interface StagePauses {
  isPaused(): boolean;
  pause(decision: Decision): Promise<void>;
  resume(decision: Decision): Promise<void>;
}

/** Where a monitoring window stands when its run continues as new. */
export interface MonitorProgress {
  pollsDone: number;
  health?: StageHealth;
  /** Devices silent at the last poll: one more silent poll makes them unresponsive. */
  silentBefore: string[];
}

/** Continues the stage as new with the window's progress; never returns. */
export type ContinueMonitoring = (progress: MonitorProgress) => Promise<never>;

type MonitorVerdict = { verdict: 'passed'; nextStageFactor?: number } | { verdict: 'roll_back'; reason: string; quarantine: boolean };
export type MonitorOutcome = MonitorVerdict & { health: StageHealth | undefined };

/**
 * The monitoring window after a stage: durable timers and periodic health polls of connectivity,
 * battery, reverts and unresponsive devices judged against the baseline (the crash rate is the
 * health watch's). A pause trigger pauses the rollout until an operator decides or the severity's deadline
 * passes; then stable metrics resume it with the next stage halved, anything else rolls back.
 */
export async function monitorStage(
  monitored: MonitoredStage,
  pauses: StagePauses,
  { pollsDone, health: healthBefore, silentBefore }: MonitorProgress,
  continueAsNew: ContinueMonitoring,
): Promise<MonitorOutcome> {
  const { stage, speedup } = monitored;
  const pollEvery = Math.max(stage.healthCheckInterval, MIN_REAL_HEALTH_POLL_MS * speedup);
  const polls = Math.max(1, Math.floor(stage.monitorWindow / pollEvery));
  const policy = policyPerLook(monitored.health.policy, polls * monitored.monitoredStages);
  const observe = observerOf(monitored, policy, silentBefore);
  let health = healthBefore;
  for (let poll = pollsDone + 1; poll <= polls; poll++) {
    if (poll - 1 - pollsDone >= HEALTH_POLLS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await continueAsNew({ pollsDone: poll - 1, ...(health ? { health } : {}), silentBefore: observe.silent() });
    }
    await sleep(scaled(stage.monitorWindow / polls, speedup), { summary: `monitoring ${stage.name}: health check ${poll} of ${polls}` });
    const observed = await observe();
    health = observed.health;
    const { evaluation } = observed;
    if (evaluation.verdict === 'rollback') {
      return { verdict: 'roll_back', health, reason: `critical: ${describeTriggers(evaluation.triggers, evaluation.missingMetrics)}`, quarantine: true };
    }
    if (evaluation.verdict === 'pause' || evaluation.verdict === 'missing_data') {
      const outcome = await pauseUntilDecided(monitored, pauses, observe, evaluation, pollEvery);
      if (outcome) return { ...outcome, health };
    }
  }
  return { verdict: 'passed', health };
}

/** The crash rate is judged by the rollout's health watch, over every hour from the first update on. */
const JUDGED_BY_HEALTH_WATCH: HealthMetric[] = ['crashRate'];

type Observe = (() => Promise<{ health: StageHealth; evaluation: HealthEvaluation }>) & { silent: () => string[] };

/** Polls the stage's health and judges it, remembering who was silent at the poll before. */
function observerOf(monitored: MonitoredStage, policy: HealthPolicy, silentAtStart: string[]): Observe {
  let silentBefore = silentAtStart;
  const observe = async () => {
    const health = await checkStageHealth({
      rolloutId: monitored.rolloutId,
      stage: monitored.stage.name,
      firmwareVersion: monitored.firmwareVersion,
      flag: monitored.flag,
      observedDevices: monitored.health.evidence.observedDevices,
    });
    const unresponsive = stillUnresponsive(silentBefore, health.unresponsive);
    silentBefore = health.unresponsive;
    return { health, evaluation: evaluateHealth(toObservation(health, unresponsive), monitored.health.baseline, policy, JUDGED_BY_HEALTH_WATCH) };
  };
  return Object.assign(observe, { silent: () => silentBefore });
}

/** Undefined when an operator resumed in time: monitoring then goes on. */
async function pauseUntilDecided(
  monitored: MonitoredStage,
  pauses: StagePauses,
  observe: Observe,
  pausedBy: HealthEvaluation,
  pollEvery: number,
): Promise<MonitorVerdict | undefined> {
  const { stage, speedup } = monitored;
  const deadlineMs = pausedBy.response?.deadlineMs ?? monitored.health.policy.severity.otherPauseHours * 3_600_000;
  const deadlineAt = nowMs() + scaled(deadlineMs, speedup);
  const reason = describeTriggers(pausedBy.triggers, pausedBy.missingMetrics);
  await pauses.pause(decision(stage.name, 'pause', `${pausedBy.severity === 'none' ? 'missing data' : pausedBy.severity}: ${reason}`, new Date(deadlineAt)));
  const history = [pausedBy];
  const interval = scaled(Math.max(pollEvery, deadlineMs / POLLS_PER_DEADLINE), speedup);
  while (pauses.isPaused()) {
    const remaining = deadlineAt - nowMs();
    if (remaining <= 0) break;
    if (await condition(() => !pauses.isPaused(), Math.min(interval, remaining))) return undefined;
    history.push((await observe()).evaluation);
  }
  if (!pauses.isPaused()) return undefined;
  const expired = decideOnExpiredDeadline(history, monitored.health.deadline);
  if (expired.action === 'rollback_and_quarantine') {
    return { verdict: 'roll_back', reason: `decision deadline passed, ${expired.reason.replace('_', ' ')}`, quarantine: true };
  }
  await pauses.resume(decision(stage.name, 'continue', `decision deadline passed with metrics stable: next stage at ×${expired.nextStageFactor}`));
  return { verdict: 'passed', nextStageFactor: expired.nextStageFactor };
}

const decision = (stage: string, action: Decision['action'], reason: string, deadline?: Date): Decision => ({
  at: nowIso(),
  stage,
  gate: 'monitoring',
  action,
  reason,
  ...(deadline ? { deadline: deadline.toISOString() } : {}),
});
