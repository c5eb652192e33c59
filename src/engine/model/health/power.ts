import { resolveStage, type Plan } from '../plan';
import { batchCount } from '../planMath';
import { seededRandom } from '../seededRandom';
import { haltingLogEValue } from './cohortEvidence';
import { accumulate, emptyEvidence, logEValue, type CohortEvidence } from './sequential';

/** What a plan's timeline is made of, of either plan kind. */
export type PlanTimeline = Pick<Plan, 'stages' | 'defaults' | 'health'>;

const HOUR_MS = 3_600_000;

/** A stretch of plan time and how many of the eligible devices run the new firmware during it. */
export interface ExposureInterval {
  stage: number;
  hours: number;
  updated: number;
}

/**
 * The plan's timeline in steps of about `stepHours` (never across a stage's end): batch k of a stage
 * counts as updated k gaps after the stage starts, the last batch its batch timeout long, then the
 * monitoring window; every wait in full, as `forecastPlan` times it. A step's `updated` is its
 * hours-weighted mean, so device-hours add up exactly.
 */
export function exposureTimeline(plan: PlanTimeline, stageDevices: readonly number[], stepHours: number): ExposureInterval[] {
  const timeline: ExposureInterval[] = [];
  let step: ExposureInterval | undefined;
  const add = (stage: number, hours: number, updated: number) => {
    if (step && step.stage !== stage) step = undefined;
    if (!step) timeline.push((step = { stage, hours: 0, updated: 0 }));
    step.updated = (step.updated * step.hours + updated * hours) / (step.hours + hours);
    step.hours += hours;
    if (step.hours >= stepHours) step = undefined;
  };
  let updated = 0;
  stageDevices.forEach((devices, index) => {
    if (devices === 0) return;
    const stage = resolveStage(plan, index);
    const batches = batchCount(devices, stage.batchSize);
    for (let batch = 0; batch < batches; batch++) {
      updated += Math.min(stage.batchSize, devices - batch * stage.batchSize);
      add(index, (batch < batches - 1 ? stage.batchGap : stage.batchTimeout) / HOUR_MS, updated);
    }
    for (let left = stage.monitorWindow / HOUR_MS; left > 1e-9; left -= stepHours) add(index, Math.min(stepHours, left), updated);
  });
  return timeline;
}

export interface Regression {
  /** Crash-rate ratio of the new firmware to the old on the regressed devices. */
  ratio: number;
  /** Shares of the fleet of the cohorts it hits, each tested on its own. */
  cohortShares: readonly number[];
}

export interface PowerSettings {
  eligible: number;
  baselineRatePerDeviceHour: number;
  alpha: number;
  /** Cohorts the plan's crash test shares α among. */
  cohorts: number;
  runs: number;
  seed: number;
}

/**
 * Per simulated rollout, the index of the interval in which the crash test first halts it; undefined
 * when it never does. Rollout `r` draws from its own stream, the same for every regression and
 * timeline with the same seed, and every draw takes the same uniforms: a larger ratio, or a longer
 * stage, then changes no rollout's luck, only its counts, so power curves are monotone, not noisy.
 */
export function detectionIntervals(timeline: readonly ExposureInterval[], regression: Regression, settings: PowerSettings): (number | undefined)[] {
  const runSeeds = seededRandom(settings.seed);
  const halting = haltingLogEValue(settings.alpha, settings.cohorts);
  const rate = settings.baselineRatePerDeviceHour;
  return Array.from({ length: settings.runs }, () => {
    const random = seededRandom(Math.floor(runSeeds() * 2 ** 32));
    let evidence: CohortEvidence[] = regression.cohortShares.map((_, index) => emptyEvidence(String(index)));
    for (const [index, { hours, updated }] of timeline.entries()) {
      evidence = evidence.map((cohort, position) => {
        const share = regression.cohortShares[position]!;
        const updatedHours = share * updated * hours;
        const controlHours = share * (settings.eligible - updated) * hours;
        const increment = {
          cohort: cohort.cohort,
          updated: { crashes: poissonDraw(random, regression.ratio * rate * updatedHours), firmwareHours: updatedHours },
          control: { crashes: poissonDraw(random, rate * controlHours), firmwareHours: controlHours },
        };
        return accumulate(cohort, increment, rate);
      });
      if (evidence.some((cohort) => logEValue(cohort) >= halting)) return index;
    }
    return undefined;
  });
}

/** Share of simulated rollouts halted by the end of each stage. */
export function powerByStage(timeline: readonly ExposureInterval[], detections: readonly (number | undefined)[], stages: number): number[] {
  const lastInterval = Array.from({ length: stages }, (_, stage) => timeline.reduce((last, interval, index) => (interval.stage <= stage ? index : last), -1));
  return lastInterval.map((last) => detections.filter((at) => at !== undefined && at <= last).length / Math.max(1, detections.length));
}

/** Ratios the calculator tries, mildest first. */
export const RATIO_GRID = [1.25, 1.5, 1.75, 2, 2.5, 3, 4, 5, 6, 8, 10, 15, 20, 30, 50, 100] as const;

export const TARGET_POWER = 0.8;

/** Per stage, the smallest ratio on `RATIO_GRID` halted by the end of that stage in `TARGET_POWER` of rollouts; undefined above the grid. */
export function detectableRatios(timeline: readonly ExposureInterval[], cohortShares: readonly number[], settings: PowerSettings, stages: number): (number | undefined)[] {
  const found: (number | undefined)[] = Array.from({ length: stages }, () => undefined);
  for (const ratio of RATIO_GRID) {
    const power = powerByStage(timeline, detectionIntervals(timeline, { ratio, cohortShares }, settings), stages);
    power.forEach((share, stage) => {
      if (found[stage] === undefined && share >= TARGET_POWER) found[stage] = ratio;
    });
    if (found.every((ratio) => ratio !== undefined)) break;
  }
  return found;
}

/** Monitoring windows, in hours, tried when asking how long a stage would have to watch. */
export const WINDOW_GRID_HOURS = [1, 2, 3, 4, 6, 8, 12, 18, 24, 36, 48, 72] as const;

/** The plan with stage `stage` watched for `hours`. */
const withWindow = (plan: PlanTimeline, stage: number, hours: number): PlanTimeline => ({
  ...plan,
  stages: plan.stages.map((candidate, index) => (index === stage ? { ...candidate, monitorWindow: hours * HOUR_MS } : candidate)),
});

/**
 * The shortest monitoring window on `WINDOW_GRID_HOURS`, at least the plan's own, that halts the
 * regression by the end of `stage` in `TARGET_POWER` of rollouts; undefined when none on the grid does.
 */
export function windowForPower(plan: PlanTimeline, stageDevices: readonly number[], stage: number, regression: Regression, settings: PowerSettings, stepHours: number): number | undefined {
  const planned = resolveStage(plan, stage).monitorWindow / HOUR_MS;
  return WINDOW_GRID_HOURS.filter((hours) => hours >= planned).find((hours) => {
    const timeline = exposureTimeline(withWindow(plan, stage, hours), stageDevices, stepHours);
    return powerByStage(timeline, detectionIntervals(timeline, regression, settings), stage + 1)[stage]! >= TARGET_POWER;
  });
}

/** The median share of the fleet on the new firmware when the crash test halts, over the halted rollouts. */
export function medianExposureAtHalt(timeline: readonly ExposureInterval[], detections: readonly (number | undefined)[], eligible: number): number | undefined {
  const exposed = detections.flatMap((at) => (at === undefined ? [] : [timeline[at]!.updated / eligible])).sort((a, b) => a - b);
  return exposed.length === 0 ? undefined : exposed[Math.floor((exposed.length - 1) / 2)];
}

/**
 * Poisson draws by inversion for small means, by the normal approximation where that is exact to well
 * under a crash; always two uniforms, so the draws after it are the same whatever the mean.
 */
function poissonDraw(random: () => number, mean: number): number {
  const [target, angle] = [random(), random()];
  if (mean <= 0) return 0;
  if (mean > 200) return Math.max(0, Math.round(mean + Math.sqrt(mean) * Math.sqrt(-2 * Math.log(1 - target)) * Math.cos(2 * Math.PI * angle)));
  let count = 0;
  let probability = Math.exp(-mean);
  let cumulative = probability;
  while (target > cumulative && count < 10 * mean + 50) {
    count += 1;
    probability *= mean / count;
    cumulative += probability;
  }
  return count;
}
