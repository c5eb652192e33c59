import type { ManagementModel } from './model';

export interface ManagementLoad {
  /** What the service is asked to do, as a share of one saturated CPU; may exceed 100. */
  cpuDemandPercent: number;
  /** What a CPU graph shows. */
  cpuPercent: number;
  /** `demand / capacity − 1` when the service is saturated, else 0. */
  overload: number;
  /** At or past capacity: requests time out and dropped gateways cannot reconnect. */
  saturated: boolean;
}

export function managementLoad(model: ManagementModel, operationsInFlight: number): ManagementLoad {
  const cpuDemandPercent = model.baseCpuPercent + model.cpuPercentPerOperation * operationsInFlight;
  return {
    cpuDemandPercent,
    cpuPercent: Math.min(100, cpuDemandPercent),
    overload: Math.max(0, cpuDemandPercent / 100 - 1),
    saturated: cpuDemandPercent >= 100,
  };
}

/** How the service answers an API request now, in plan time. */
export type Admission = { admitted: true; waitMs: number } | { admitted: false; waitMs: number; retryAfterMs: number };

/**
 * A request waits `service time / (1 − utilisation)` (a single-server queue). One that would wait
 * longer than the service's request timeout waits out the timeout and is refused with Retry-After.
 */
export function admission(model: ManagementModel, load: ManagementLoad): Admission {
  const utilisation = load.cpuDemandPercent / 100;
  const waitMs = utilisation < 1 ? model.requestServiceMs / (1 - utilisation) : Infinity;
  if (waitMs <= model.requestTimeoutMs) return { admitted: true, waitMs };
  return { admitted: false, waitMs: model.requestTimeoutMs, retryAfterMs: model.retryAfterMs };
}
