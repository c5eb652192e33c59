import type { FleetProvider } from '../fleet/provider';
import type { Ledger } from '../ledger/ledger';
import { createTargetActivities } from './targets';
import { createUpdateActivities } from './update';
import { createHealthActivities } from './health';
import { createRollbackActivities } from './rollback';
import { createMilestoneActivities } from './milestone';

export interface ActivityDependencies {
  fleet: FleetProvider;
  ledger: Ledger;
}

/** Activities as a factory: `worker.ts` wires the real fleet and ledger, tests pass their own. */
export function createActivities(dependencies: ActivityDependencies) {
  return {
    ...createTargetActivities(dependencies),
    ...createUpdateActivities(dependencies),
    ...createMilestoneActivities(dependencies),
    ...createHealthActivities(dependencies),
    ...createRollbackActivities(dependencies),
  };
}

export type Activities = ReturnType<typeof createActivities>;
