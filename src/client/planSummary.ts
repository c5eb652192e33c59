import { resolveStage, type Stage } from '../engine/model/plan';
import { planSchemaFor, type AnyPlan, type AnyPlanInput } from '../engine/model/planKind';
import { forecastPlan } from '../engine/model/planForecast';
import { stageSizes } from '../engine/model/planMath';
import { detectableRatios, detectionIntervals, exposureTimeline, medianExposureAtHalt, powerByStage, TARGET_POWER, windowForPower, type PowerSettings, type Regression } from '../engine/model/health/power';

/** A stage whose devices are known only once the rollout reads the inventory. */
export const SELECTED_AT_START = 'selected at start';

export interface StageSummary {
  stage: string;
  /** What the stage takes: a count, a cumulative share of the fleet or a cohort. */
  takes: string;
  /** Counted as none in the timeline and thresholds when selected at start. */
  devices: number | typeof SELECTED_AT_START;
  /** Devices on the new firmware once this stage is done. */
  cumulativeDevices: number;
  batches: number;
  batchSize: number;
  gapsMinutes: number;
  monitorMinutes: number;
  advance: 'auto' | 'manual';
  /** Plan hours from the start, every wait and batch timeout in full. */
  startsAtHours: number;
  endsAtHours: number;
  /** Crashes the baseline predicts over the monitoring window on every device updated so far. */
  expectedCrashes: number;
  /** Smallest crash-rate ratio the crash test halts by the end of this stage in 80 % of rollouts: fleet-wide, and on a cohort of a tenth of the fleet. */
  detectsFleetWide?: string;
  detectsTenthCohort?: string;
}

export interface PlanSizing {
  /** Eligible devices: what percent stages are shares of. Without it, count stages are taken as written. */
  fleetSize?: number;
  /** Cohorts the crash test will find (e.g. hardware revisions): they share its α. */
  cohorts?: number;
  /** The fleet's crash rate per device-hour, when it is known better than the plan's baseline. */
  baselineRatePerDeviceHour?: number;
}

/** Simulated rollouts per ratio: power to within a few percent, in well under a second. */
const POWER_RUNS = 200;
/** The timeline is simulated in this many steps, at most a quarter of an hour each. */
const POWER_STEPS = 100;

const powerStepHours = (plan: AnyPlan, devices: readonly number[]): number => Math.max(0.25, (forecastPlan(plan, devices).at(-1)?.endsAtHours ?? 0) / POWER_STEPS);

const powerTimeline = (plan: AnyPlan, devices: readonly number[]) => exposureTimeline(plan, devices, powerStepHours(plan, devices));

/** What a plan will do, before anything starts: stages, batches, waits, timeline and what the crash test can detect by when. */
export function summarizePlan(input: AnyPlanInput, sizing: PlanSizing = {}): StageSummary[] {
  const plan: AnyPlan = planSchemaFor(input).parse(input);
  const { fleetSize } = sizing;
  const known = (stage: Stage): boolean => !stage.select && (stage.devices !== undefined || fleetSize !== undefined);
  const sizes = stageSizes(plan, fleetSize ?? Number.MAX_SAFE_INTEGER).map((size, index) => (known(plan.stages[index]!) ? size.devices : undefined));
  const devices = sizes.map((count) => count ?? 0);
  const forecast = forecastPlan(plan, devices);
  const detection = plan.stages.every(known) ? detectable(plan, devices, sizing) : undefined;
  return forecast.map((stage, index) => {
    const resolved = resolveStage(plan, index);
    return {
      stage: stage.stage,
      takes: takes(resolved),
      devices: sizes[index] ?? SELECTED_AT_START,
      cumulativeDevices: stage.cumulativeDevices,
      batches: stage.batches,
      batchSize: resolved.batchSize,
      gapsMinutes: (Math.max(0, stage.batches - 1) * resolved.batchGap) / 60_000,
      monitorMinutes: resolved.monitorWindow / 60_000,
      advance: resolved.advance,
      startsAtHours: round(stage.startsAtHours),
      endsAtHours: round(stage.endsAtHours),
      expectedCrashes: round(stage.expectedCrashes),
      ...(detection && { detectsFleetWide: ratioText(detection.fleetWide[index]), detectsTenthCohort: ratioText(detection.tenthCohort[index]) }),
    };
  });
}

const DEFAULT_COHORTS = 3;

function powerSettings(plan: AnyPlan, devices: readonly number[], sizing: PlanSizing): PowerSettings {
  return {
    eligible: devices.reduce((total, count) => total + count, 0),
    baselineRatePerDeviceHour: sizing.baselineRatePerDeviceHour ?? plan.health.baseline.crashRatePerDeviceHour,
    alpha: plan.health.evidence.alpha,
    cohorts: plan.health.evidence.cohortBy === 'none' ? 1 : (sizing.cohorts ?? DEFAULT_COHORTS),
    runs: POWER_RUNS,
    seed: 1,
  };
}

function detectable(plan: AnyPlan, devices: readonly number[], sizing: PlanSizing) {
  const settings = powerSettings(plan, devices, sizing);
  const timeline = powerTimeline(plan, devices);
  const evenCohorts = Array.from({ length: settings.cohorts }, () => 1 / settings.cohorts);
  return {
    fleetWide: detectableRatios(timeline, evenCohorts, settings, devices.length),
    tenthCohort: detectableRatios(timeline, [0.1], settings, devices.length),
  };
}

export interface RegressionForecast {
  ratio: number;
  cohortShare: number;
  /** The first stage by whose end the crash test halts the rollout in 80 % of simulated rollouts; undefined if none. */
  firstStage?: string;
  /** Median share of the fleet on the new firmware when it halts. */
  medianExposure?: number;
  /** To halt it one stage sooner (or at all): that stage's monitoring window in hours, now and as long as it would need to be (absent: longer than the longest tried). */
  sooner?: { stage: string; plannedHours: number; neededHours?: number };
}

/** When the plan's crash test would halt a regression of `ratio` on a cohort of `cohortShare` of the fleet. */
export function forecastRegression(input: AnyPlanInput, sizing: PlanSizing & { fleetSize: number }, ratio: number, cohortShare: number): RegressionForecast {
  const plan: AnyPlan = planSchemaFor(input).parse(input);
  const devices = stageSizes(plan, sizing.fleetSize).map((size) => size.devices);
  const settings = powerSettings(plan, devices, sizing);
  const timeline = powerTimeline(plan, devices);
  const detections = detectionIntervals(timeline, { ratio, cohortShares: [cohortShare] }, settings);
  const first = powerByStage(timeline, detections, devices.length).findIndex((power) => power >= TARGET_POWER);
  const medianExposure = medianExposureAtHalt(timeline, detections, settings.eligible);
  const soonerStage = first >= 0 ? first - 1 : devices.length - 1;
  return {
    ratio,
    cohortShare,
    ...(first >= 0 && { firstStage: plan.stages[first]!.name }),
    ...(medianExposure !== undefined && { medianExposure }),
    ...(soonerStage >= 0 && { sooner: soonerWindow(plan, devices, soonerStage, { ratio, cohortShares: [cohortShare] }, settings) }),
  };
}

function soonerWindow(plan: AnyPlan, devices: readonly number[], stage: number, regression: Regression, settings: PowerSettings): RegressionForecast['sooner'] {
  const neededHours = windowForPower(plan, devices, stage, regression, settings, powerStepHours(plan, devices));
  return { stage: plan.stages[stage]!.name, plannedHours: resolveStage(plan, stage).monitorWindow / 3_600_000, ...(neededHours !== undefined && { neededHours }) };
}

const ratioText = (ratio: number | undefined): string => (ratio === undefined ? '> ×100' : `×${ratio}`);

function takes({ devices, percent, select }: Stage): string {
  if (select) return `cohort ${JSON.stringify(select)}`;
  return percent === undefined ? `${devices} devices` : `${percent} % of the fleet, cumulative`;
}

const round = (value: number): number => Math.round(value * 100) / 100;

/** The plan as a markdown table: the rollout's static details in the Web UI. */
export function planMarkdown(input: AnyPlanInput): string {
  const rows = summarizePlan(input).map(
    (stage) =>
      `| ${stage.stage} | ${stage.takes} | ${stage.devices} | ${stage.batches} × ${stage.batchSize} | ${stage.gapsMinutes} min | ${stage.monitorMinutes} min | ${stage.advance} |`,
  );
  return ['**Plan**', '', '| stage | takes | devices | batches | gaps | monitoring | advance |', '|---|---|--:|---|--:|--:|---|', ...rows].join('\n');
}
