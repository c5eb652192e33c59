import type { z } from 'zod';
import { RINGS, ringRank } from './cohorts';

/** What the sequence rules read of a stage. */
interface SequencedStage {
  name: string;
  percent?: number | undefined;
  select?: { ring?: string[] | undefined } | undefined;
}

/**
 * The rules across a plan's stages: cohort stages first, then count and percent stages (which take
 * devices from every cohort, so a cohort stage after them would find its cohort partly updated);
 * percentages cumulative, so increasing; rings in order internal → alpha → beta → production.
 */
export function checkStageSequence(stages: readonly SequencedStage[], ctx: z.RefinementCtx): void {
  let sharedStage: SequencedStage | undefined;
  let lastPercent: { name: string; percent: number } | undefined;
  let furthestRing = -1;
  stages.forEach((stage, index) => {
    const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path: [index, ...path], message });
    if (stage.select) {
      if (sharedStage) {
        issue(['select'], `cohort stage "${stage.name}" comes after "${sharedStage.name}", which takes devices from every cohort: put cohort (select) stages first`);
      }
      const ranks = (stage.select.ring ?? []).map(ringRank).filter((rank) => rank >= 0);
      if (ranks.length > 0 && Math.min(...ranks) < furthestRing) {
        issue(['select', 'ring'], `stage "${stage.name}" goes back to ring ${RINGS[Math.min(...ranks)]} after ${RINGS[furthestRing]}: rings go ${RINGS.join(' → ')}`);
      }
      furthestRing = Math.max(furthestRing, ...ranks);
      return;
    }
    if (lastPercent?.percent === 100) {
      issue([], `stage "${stage.name}" comes after "${lastPercent.name}" took the whole fleet (percent: 100): remove it or give "${lastPercent.name}" a smaller share`);
    } else if (stage.percent !== undefined && lastPercent && stage.percent <= lastPercent.percent) {
      issue(['percent'], `${stage.percent} after ${lastPercent.percent} in "${lastPercent.name}": percent is cumulative (the share of the fleet done once the stage ends), so each must be larger than the one before`);
    }
    sharedStage = stage;
    if (stage.percent !== undefined) lastPercent = { name: stage.name, percent: stage.percent };
  });
}
