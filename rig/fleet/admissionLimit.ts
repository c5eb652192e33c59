import type { FastifyInstance } from 'fastify';
import { ErrorCode, ROUTES, errorBody } from '../../src/adapters/fleet/contract';

export interface AdmissionLimit {
  maxInFlightRequests: number;
  retryAfterSeconds: number;
}

/**
 * Serves at most `maxInFlightRequests` requests at once and answers the excess 429 with Retry-After,
 * as a management service protects itself. A request counts until its response is sent or its
 * connection closes. The liveness probe is exempt so that a busy service is not reported dead.
 */
export function installAdmissionLimit(app: FastifyInstance, { maxInFlightRequests, retryAfterSeconds }: AdmissionLimit): void {
  let inFlight = 0;
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url === ROUTES.serviceHealth.path) return;
    if (inFlight >= maxInFlightRequests) {
      request.log.warn({ inFlight, maxInFlightRequests }, 'request refused by admission limit');
      return reply
        .code(429)
        .header('retry-after', String(retryAfterSeconds))
        .send(errorBody(ErrorCode.Overloaded, `more than ${maxInFlightRequests} requests in flight`));
    }
    inFlight += 1;
    reply.raw.once('close', () => {
      inFlight -= 1;
    });
  });
}
