import { Plan, resolveStage, type PlanInput } from '../contracts/plan';
import { forecastPlan } from '../domain/planForecast';
import type { StageSize } from '../domain/planMath';

export interface StageSummary {
  stage: string;
  devices: number;
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

/** What a plan will do, before anything starts: stages, batches, waits, timeline and pause thresholds. */
export function summarizePlan(input: PlanInput, sizes?: StageSize[]): StageSummary[] {
  const plan = Plan.parse(input);
  const forecast = forecastPlan(plan, plan.stages.map((stage, index) => sizes?.[index]?.devices ?? stage.devices));
  return forecast.map((stage, index) => {
    const resolved = resolveStage(plan, index);
    return {
      stage: stage.stage,
      devices: stage.devices,
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

const round = (value: number): number => Math.round(value * 100) / 100;

/** The plan as a markdown table: the rollout's static details in the Web UI. */
export function planMarkdown(input: PlanInput): string {
  const rows = summarizePlan(input).map(
    (stage) => `| ${stage.stage} | ${stage.devices} | ${stage.batches} × ${stage.batchSize} | ${stage.gapsMinutes} min | ${stage.monitorMinutes} min | ${stage.advance} |`,
  );
  return ['**Plan**', '', '| stage | devices | batches | gaps | monitoring | advance |', '|---|--:|---|--:|--:|---|', ...rows].join('\n');
}
