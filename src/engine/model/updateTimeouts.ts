import { scaled, scaledTimeout } from './planMath';

/** The real-time bounds of one update attempt, each inside the next: request < heartbeat < attempt. */
export interface UpdateTimeouts {
  /** Longest wait between two status polls. */
  maxPollIntervalMs: number;
  /** An operation still going this long after the attempt began counts as timed out. */
  operationTimeoutMs: number;
  /** One HTTP request to the fleet, cut after this and sent again: well inside the heartbeat timeout. */
  requestTimeoutMs: number;
  /** A worker that stopped heartbeating this long is taken for dead and the attempt retried. */
  heartbeatTimeoutMs: number;
  /** The attempt as a whole; the activity ends itself at the operation timeout, so this only catches one that hangs. */
  startToCloseTimeoutMs: number;
}

/** A dead worker is noticed within this much real time at the least; a live one heartbeats a few times in it. */
const MIN_HEARTBEAT_TIMEOUT_MS = 15_000;
/** The fleet's slowest healthy answers (its queue under load) take seconds; no request is cut sooner than this. */
const MAX_REQUEST_TIMEOUT_MS = 10_000;
/** Heartbeats (and cut requests) per heartbeat timeout: one late beat or one hung request never times a live attempt out. */
const BEATS_PER_TIMEOUT = 3;

/** Derived from the stage's plan values and the speed-up, the one place these bounds are set. */
export function updateTimeouts(stage: { healthCheckInterval: number; operationTimeout: number }, speedup: number): UpdateTimeouts {
  const maxPollIntervalMs = scaled(stage.healthCheckInterval, speedup);
  const operationTimeoutMs = scaledTimeout(stage.operationTimeout, speedup);
  const heartbeatTimeoutMs = Math.max(MIN_HEARTBEAT_TIMEOUT_MS, BEATS_PER_TIMEOUT * maxPollIntervalMs);
  const requestTimeoutMs = Math.min(MAX_REQUEST_TIMEOUT_MS, Math.floor(heartbeatTimeoutMs / BEATS_PER_TIMEOUT));
  return {
    maxPollIntervalMs,
    operationTimeoutMs,
    requestTimeoutMs,
    heartbeatTimeoutMs,
    startToCloseTimeoutMs: operationTimeoutMs + 2 * maxPollIntervalMs + heartbeatTimeoutMs,
  };
}

/** The bounds before `updateTimeouts`, kept for rollouts started on that code: a 5 s heartbeat floor, no request bound. */
export function legacyUpdateTimeouts(stage: { healthCheckInterval: number; operationTimeout: number }, speedup: number): Omit<UpdateTimeouts, 'requestTimeoutMs'> & { requestTimeoutMs?: undefined } {
  const maxPollIntervalMs = scaled(stage.healthCheckInterval, speedup);
  const operationTimeoutMs = scaledTimeout(stage.operationTimeout, speedup);
  return { maxPollIntervalMs, operationTimeoutMs, heartbeatTimeoutMs: Math.max(5_000, 3 * maxPollIntervalMs), startToCloseTimeoutMs: operationTimeoutMs + 2 * maxPollIntervalMs };
}
