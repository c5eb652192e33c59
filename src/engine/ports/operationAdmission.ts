import type { LimitTarget } from '../model/concurrencyLimit';

/**
 * Permits for firmware operations at one device-management service, shared by every rollout and
 * batch this worker drives there. An operation holds its permit from its command until it ends.
 */
export interface OperationAdmission {
  /** Takes up to `wanted` permits now; fewer, or none, while the service is at its limit. */
  tryAdmit(wanted: number, target: LimitTarget): number;
  release(count: number): void;
  /** The limit now and the operations holding a permit. */
  readonly state: { limit: number; inFlight: number };
}
