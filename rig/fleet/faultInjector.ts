import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { ErrorCode, ROUTES, errorBody, type RouteName } from '../../src/adapters/fleet/contract';

export type Fault =
  | { kind: 'status'; status: 429 | 500 | 502 | 503 | 504; retryAfterSeconds?: number }
  /** Holds the request, then serves it as usual even if the client gave up: a slow server, not a lost one. */
  | { kind: 'hang'; ms: number };

/** The contract's error code for each status a fault answers with. */
export const CODE_BY_STATUS = { 429: ErrorCode.Overloaded, 500: ErrorCode.Internal, 502: ErrorCode.Unavailable, 503: ErrorCode.Unavailable, 504: ErrorCode.Unavailable };

/** Transport faults for tests: "the next N requests to route R meet fault F". */
export class FaultInjector {
  private readonly pending = new Map<RouteName, Fault[]>();

  inject(route: RouteName, fault: Fault, times = 1): void {
    const queue = this.pending.get(route) ?? [];
    queue.push(...Array.from({ length: times }, () => fault));
    this.pending.set(route, queue);
  }

  take(route: RouteName): Fault | undefined {
    return this.pending.get(route)?.shift();
  }
}

const routeNameByPath = new Map<string, RouteName>(
  Object.entries(ROUTES).map(([name, route]) => [route.path, name as RouteName]),
);

/** Runs after body parsing, so that a held request can still be served once its client has left. */
export function installFaults(app: FastifyInstance, faults: FaultInjector): void {
  app.addHook('preHandler', async (request, reply) => {
    const route = routeNameByPath.get(request.routeOptions.url ?? '');
    const fault = route && faults.take(route);
    if (!fault) return;
    request.log.info({ route, fault }, 'injecting fault');
    if (fault.kind === 'hang') {
      await sleep(fault.ms);
      return;
    }
    if (fault.retryAfterSeconds !== undefined) reply.header('retry-after', String(fault.retryAfterSeconds));
    return reply.code(fault.status).send(errorBody(CODE_BY_STATUS[fault.status], `injected fault: ${fault.status}`));
  });
}
