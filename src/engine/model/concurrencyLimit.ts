/**
 * How many firmware operations may be in flight at a device-management service, adapted to what the
 * service says about itself (the gradient and AIMD limits of Netflix's concurrency-limits, on the
 * signals this contract has):
 *
 * - its reported load, when it reports one: each operation is charged `load / in flight` (the base
 *   load counted too, so the charge errs high) and the limit is set to what fits under the target;
 * - 429 or 5xx: the limit halves, once, and is not cut again until the operations in flight are
 *   back under it (a burst of refusals answers one overload);
 * - without a reported load, latency: above `latencyTolerance` × the lowest latency seen (and
 *   `latencySlackMs` above it) the limit
 *   shrinks by a tenth (once, likewise), else it grows by one while at least half of it is used.
 *
 * Never above the ceiling (the plan's `maxConcurrent`), never below `minLimit`.
 */
export interface ServiceSample {
  latencyMs: number;
  /** The service refused (429) or failed (5xx). */
  overloaded: boolean;
  /** The service's load as it reports it, in percent; undefined when it does not. */
  loadPercent?: number | undefined;
}

export interface LimitTarget {
  /** Keep the service's reported load at or under this. */
  targetLoadPercent: number;
  /** The limit never exceeds this. */
  ceiling: number;
}

/**
 * `latencySlackMs`: latency counts as a sign of overload only when it is also this much above the
 * lowest seen. A service answering on a LAN in 1 ms and then 5 ms is not queueing, and a ratio alone
 * would shrink the limit to one on that jitter; an overloaded service's queue adds hundreds of ms.
 */
export const LIMIT_DEFAULTS = { minLimit: 1, backoffRatio: 0.5, latencyBackoffRatio: 0.9, latencyTolerance: 2, latencySlackMs: 250 } as const;

export interface ConcurrencyLimitState {
  limit: number;
  /** Lowest latency seen: the service's answer time when idle. */
  minLatencyMs: number;
  /** Cut since the operations in flight were last under the limit: further signals of the same overload are ignored. */
  backingOff: boolean;
  /**
   * The load per operation, as last measured with operations in flight. A load answered while none
   * was in flight says nothing about an operation's cost, only about the service's own base load.
   */
  perOperationPercent?: number;
}

export const initialLimit = (target: LimitTarget): ConcurrencyLimitState => ({ limit: Math.max(LIMIT_DEFAULTS.minLimit, Math.min(target.ceiling, 1)), minLatencyMs: Infinity, backingOff: false });

/** The limit after one answer of the service, with `inFlight` operations held when it came. */
export function nextLimit(state: ConcurrencyLimitState, sample: ServiceSample, inFlight: number, target: LimitTarget): ConcurrencyLimitState {
  const minLatencyMs = Math.min(state.minLatencyMs, sample.latencyMs);
  const backingOff = state.backingOff && inFlight > state.limit;
  const within = (limit: number) => Math.max(LIMIT_DEFAULTS.minLimit, Math.min(target.ceiling, Math.floor(limit)));
  if (sample.overloaded) {
    if (backingOff) return { ...state, minLatencyMs, backingOff };
    return { ...state, limit: within(state.limit * LIMIT_DEFAULTS.backoffRatio), minLatencyMs, backingOff: true };
  }
  if (sample.loadPercent !== undefined) {
    const perOperationPercent = inFlight > 0 ? sample.loadPercent / inFlight : state.perOperationPercent;
    const limit = within(underTarget(sample.loadPercent, inFlight, target.targetLoadPercent, perOperationPercent));
    return { ...state, limit, minLatencyMs, backingOff, ...(perOperationPercent === undefined ? {} : { perOperationPercent }) };
  }
  if (sample.latencyMs > LIMIT_DEFAULTS.latencyTolerance * minLatencyMs && sample.latencyMs - minLatencyMs > LIMIT_DEFAULTS.latencySlackMs) {
    if (backingOff) return { ...state, minLatencyMs, backingOff };
    return { ...state, limit: within(state.limit * LIMIT_DEFAULTS.latencyBackoffRatio), minLatencyMs, backingOff: true };
  }
  const grown = 2 * inFlight >= state.limit ? state.limit + 1 : state.limit;
  return { ...state, limit: within(grown), minLatencyMs, backingOff };
}

/**
 * The operations in flight that fit under the target, each charged the load per operation now (the
 * base load counted too, so the charge errs high), or, with none in flight, as last measured.
 */
function underTarget(loadPercent: number, inFlight: number, targetLoadPercent: number, perOperation = loadPercent / Math.max(1, inFlight)): number {
  if (perOperation <= 0) return Infinity;
  const headroom = targetLoadPercent - loadPercent;
  return inFlight + (headroom >= 0 ? Math.floor(headroom / perOperation) : -Math.ceil(-headroom / perOperation));
}
