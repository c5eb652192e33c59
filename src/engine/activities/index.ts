export type { ActivityDependencies } from './dependencies';
import type { ActivityDependencies } from './dependencies';
import { createTargetActivities } from './targets';
import { createUpdateActivities } from './update';
import { createHealthActivities } from './health';
import { createRollbackActivities } from './rollback';
import { createMilestoneActivities } from './milestone';
import { createArtifactActivities } from './artifacts';
import { createCatchUpActivities } from './catchUp';
import { createEvidenceActivities } from './evidence';
import { createNotifyActivities } from './notify';
import { createClaimActivities } from './claims';
import { createOutcomesAtTimeoutActivities } from './outcomesAtTimeout';
import { createKillSwitchActivities } from './killSwitch';
import { createBudgetActivities } from './budget';

/** Activities as a factory: `worker.ts` wires the real fleet and ledger, tests pass their own. */
export function createActivities(dependencies: ActivityDependencies) {
  return {
    ...createTargetActivities(dependencies),
    ...createUpdateActivities(dependencies),
    ...createMilestoneActivities(dependencies),
    ...createHealthActivities(dependencies),
    ...createRollbackActivities(dependencies),
    ...createArtifactActivities(dependencies),
    ...createCatchUpActivities(dependencies),
    ...createEvidenceActivities(dependencies),
    ...createNotifyActivities(dependencies),
    ...createClaimActivities(dependencies),
    ...createOutcomesAtTimeoutActivities(dependencies),
    ...createKillSwitchActivities(dependencies),
    ...createBudgetActivities(dependencies),
  };
}

export type Activities = ReturnType<typeof createActivities>;
