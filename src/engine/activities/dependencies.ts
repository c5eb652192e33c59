import type { ArtifactVerifier } from '../ports/artifactVerifier';
import type { FleetProvider } from '../ports/fleetProvider';
import type { OperationAdmission } from '../ports/operationAdmission';
import type { Ledger } from '../ports/ledger';
import type { Notifier } from '../ports/notifier';
import type { FleetBudget } from '../ports/fleetBudget';

export interface ActivityDependencies {
  fleet: FleetProvider;
  /** The device-management service's adaptive limit on operations in flight; without it only `maxConcurrent` limits them. */
  admission?: OperationAdmission;
  ledger: Ledger;
  /** Checks each firmware image before any device gets it. */
  artifacts: ArtifactVerifier;
  /** Delivers rollout events to the plan's webhooks; the worker always wires one, tests of other things need none. */
  notifier?: Notifier;
  /** The fleet-wide budget of operations in flight that concurrent rollouts share; without it, each rollout's `maxConcurrent` alone bounds them. */
  budget?: FleetBudget;
  /** The device-management server's API version, for the plan's compatibility matrix. */
  fleetApiVersion?: string;
  /**
   * What time it is for maintenance windows, which workflows judge on the server's clock: the
   * worker's own clock by default; under time skipping, tests pass the test server's.
   */
  clock?: () => Promise<number>;
}
