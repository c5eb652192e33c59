import { Plan, resolveStage, type PlanInput, type Stage } from '../engine/model/plan';
import { forecastPlan } from '../engine/model/planForecast';
import { stageSizes } from '../engine/model/planMath';

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
  /** Crashes the baseline predicts in the monitoring window, and the fewest that pause the rollout. */
  expectedCrashes: number;
  pauseAtCrashes: number;
}

export interface PlanSizing {
  /** Eligible devices: what percent stages are shares of. Without it, count stages are taken as written. */
  fleetSize?: number;
}

/** What a plan will do, before anything starts: stages, batches, waits, timeline and pause thresholds. */
export function summarizePlan(input: PlanInput, { fleetSize }: PlanSizing = {}): StageSummary[] {
  const plan = Plan.parse(input);
  const known = (stage: Stage): boolean => !stage.select && (stage.devices !== undefined || fleetSize !== undefined);
  const sizes = stageSizes(plan, fleetSize ?? Number.MAX_SAFE_INTEGER).map((size, index) => (known(plan.stages[index]!) ? size.devices : undefined));
  const forecast = forecastPlan(plan, sizes.map((devices) => devices ?? 0));
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
      pauseAtCrashes: stage.pauseAtCrashes,
    };
  });
}

function takes({ devices, percent, select }: Stage): string {
  if (select) return `cohort ${JSON.stringify(select)}`;
  return percent === undefined ? `${devices} devices` : `${percent} % of the fleet, cumulative`;
}

const round = (value: number): number => Math.round(value * 100) / 100;

/** The plan as a markdown table: the rollout's static details in the Web UI. */
export function planMarkdown(input: PlanInput): string {
  const rows = summarizePlan(input).map(
    (stage) =>
      `| ${stage.stage} | ${stage.takes} | ${stage.devices} | ${stage.batches} × ${stage.batchSize} | ${stage.gapsMinutes} min | ${stage.monitorMinutes} min | ${stage.advance} |`,
  );
  return ['**Plan**', '', '| stage | takes | devices | batches | gaps | monitoring | advance |', '|---|---|--:|---|--:|--:|---|', ...rows].join('\n');
}
