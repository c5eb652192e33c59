import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { FleetRequestFailed } from './fleetHttpErrors';

/** The delay the service asked for before the request that failed may be sent again, if it named one. */
export function retryAfterOf(error: unknown): number | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof FleetRequestFailed && cause.details.retryAfterMs !== undefined) return cause.details.retryAfterMs;
  }
  return undefined;
}

/**
 * An activity's failure as Temporal should retry it: one that carries the service's Retry-After
 * becomes an ApplicationFailure of the same type whose next retry waits at least that long (the
 * retry policy's own interval could be shorter); any other failure is left as it is.
 */
export function honouringRetryAfter(error: unknown): unknown {
  const retryAfterMs = retryAfterOf(error);
  if (retryAfterMs === undefined || !(error instanceof Error)) return error;
  return ApplicationFailure.create({ type: error.name, message: error.message, cause: error, nextRetryDelay: retryAfterMs });
}

/** Every activity of the worker fails with the service's Retry-After as its next retry delay. */
export const honourRetryAfter: ActivityInterceptorsFactory = () => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (error) {
        throw honouringRetryAfter(error);
      }
    },
  },
});
