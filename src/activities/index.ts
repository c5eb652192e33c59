import type { TrustedKeys } from '../artifacts/verify';
import type { FleetProvider } from '../fleet/provider';
import type { Ledger } from '../ledger/ledger';
import { createTargetActivities } from './targets';
import { createUpdateActivities } from './update';
import { createHealthActivities } from './health';
import { createRollbackActivities } from './rollback';
import { createMilestoneActivities } from './milestone';
import { createArtifactActivities } from './artifacts';

export interface ActivityDependencies {
  fleet: FleetProvider;
  ledger: Ledger;
  /** Public keys that may sign firmware: from the worker's configuration, never from a plan. */
  trustedKeys: TrustedKeys;
  /** The device-management server's API version, for the plan's compatibility matrix. */
  fleetApiVersion?: string;
  /**
   * What time it is for maintenance windows, which workflows judge on the server's clock: the
   * worker's own clock by default; under time skipping, tests pass the test server's.
   */
  clock?: () => Promise<number>;
}

/** Activities as a factory: `worker.ts` wires the real fleet and ledger, tests pass their own. */
export function createActivities(dependencies: ActivityDependencies) {
  return {
    ...createTargetActivities(dependencies),
    ...createUpdateActivities(dependencies),
    ...createMilestoneActivities(dependencies),
    ...createHealthActivities(dependencies),
    ...createRollbackActivities(dependencies),
    ...createArtifactActivities(dependencies),
  };
}

export type Activities = ReturnType<typeof createActivities>;
