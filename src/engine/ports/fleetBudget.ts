import type { LeaseRequest } from '../model/budget';

/** Operations in flight granted by the fleet budget, held until released (or until they expire unrenewed). */
export interface HeldLease {
  release(): Promise<void>;
}

/** The fleet-wide budget of operations in flight that concurrent rollouts share. */
export interface FleetBudget {
  /**
   * Waits until the budget grants `request`, calling `waiting` now and then meanwhile, and returns
   * without holding it: the grant lasts its time to live, for a `lease` of the same request to take over.
   */
  granted(request: LeaseRequest, waiting: () => void): Promise<void>;
  /** Waits until the budget grants `request`, as `granted` does; renews the lease until it is released. */
  lease(request: LeaseRequest, waiting: () => void): Promise<HeldLease>;
}
