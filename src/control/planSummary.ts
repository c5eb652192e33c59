import { Plan, resolveStage, type PlanInput } from '../contracts/plan';
import { batchCount, type StageSize } from '../domain/planMath';

export interface StageSummary {
  stage: string;
  devices: number;
  batches: number;
  batchSize: number;
  gapsMinutes: number;
  monitorMinutes: number;
  advance: 'auto' | 'manual';
}

/** What a plan will do, before anything starts: stages, batches and the durable waits between them. */
export function summarizePlan(input: PlanInput, sizes?: StageSize[]): StageSummary[] {
  const plan = Plan.parse(input);
  return plan.stages.map((stage, index) => {
    const resolved = resolveStage(plan, index);
    const devices = sizes?.[index]?.devices ?? stage.devices;
    const batches = batchCount(devices, resolved.batchSize);
    return {
      stage: stage.name,
      devices,
      batches,
      batchSize: resolved.batchSize,
      gapsMinutes: (Math.max(0, batches - 1) * resolved.batchGap) / 60_000,
      monitorMinutes: resolved.monitorWindow / 60_000,
      advance: resolved.advance,
    };
  });
}

/** The plan as a markdown table: the rollout's static details in the Web UI. */
export function planMarkdown(input: PlanInput): string {
  const rows = summarizePlan(input).map(
    (stage) => `| ${stage.stage} | ${stage.devices} | ${stage.batches} × ${stage.batchSize} | ${stage.gapsMinutes} min | ${stage.monitorMinutes} min | ${stage.advance} |`,
  );
  return ['**Plan**', '', '| stage | devices | batches | gaps | monitoring | advance |', '|---|--:|---|--:|--:|---|', ...rows].join('\n');
}
