import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { API_BASE_PATH, ErrorCode, SERVICE_LOAD_HEADER, describeIssue, errorBody } from '../../src/adapters/fleet/contract';
import { OperationKind, OperationState } from '../../src/engine/ports/fleetProvider';
import type { SimMetrics } from './metrics';
import { DeviceReport, type FleetOutcome } from './outcome';
import { ResetRequest, type SimulatedFleet } from './simulatedFleet';

/** Simulator-only routes, beside the management API; documented in docs/SIMULATOR.md. */
export const SIM_ROUTES = {
  metrics: { method: 'GET', path: '/sim/metrics' },
  devices: { method: 'GET', path: '/sim/devices' },
  outcome: { method: 'GET', path: '/sim/outcome' },
  commands: { method: 'GET', path: '/sim/commands' },
  reset: { method: 'POST', path: '/sim/reset' },
} as const;

export const OutcomeQuery = z.object({ targetVersion: z.string().min(1) });

export const CommandsResponse = z.object({
  commands: z.array(
    z.object({ kind: OperationKind, deviceId: z.string(), idempotencyKey: z.string(), duplicate: z.boolean(), atMs: z.number(), resumableDownload: z.boolean().optional(), previousState: OperationState.optional() }),
  ),
});
export type CommandsResponse = z.infer<typeof CommandsResponse>;

export const DevicesResponse = z.object({ devices: z.array(DeviceReport) });
export type DevicesResponse = z.infer<typeof DevicesResponse>;

/**
 * The management API under the simulated service's load: every API request waits as long as the
 * service's queue says (in real time, scaled by the clock; not at all on a manual clock), and one
 * that would wait past the request timeout is answered 429 with Retry-After, in real seconds.
 */
export function installServiceLoad(app: FastifyInstance, fleet: SimulatedFleet): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!request.routeOptions.url?.startsWith(API_BASE_PATH)) return;
    const answer = fleet.admit();
    const holdMs = fleet.clock.speedup === null ? 0 : fleet.clock.realMsFor(answer.waitMs);
    if (holdMs >= 1) await sleep(holdMs);
    if (answer.admitted) return;
    const retryAfterSeconds = Math.max(1, Math.ceil(fleet.clock.realMsFor(answer.retryAfterMs) / 1000));
    request.log.warn({ retryAfterSeconds }, 'management service saturated, request refused');
    return reply
      .code(429)
      .header('retry-after', String(retryAfterSeconds))
      .send(errorBody(ErrorCode.Overloaded, 'the management service is saturated: too many operations in flight'));
  });
}

/** Every management answer says the service's load, as the contract's optional header allows. */
export function reportServiceLoad(app: FastifyInstance, fleet: SimulatedFleet): void {
  app.addHook('onSend', async (request, reply) => {
    if (request.routeOptions.url?.startsWith(API_BASE_PATH)) reply.header(SERVICE_LOAD_HEADER, String(fleet.serviceLoadPercent()));
  });
}

export function registerSimulatorRoutes(app: FastifyInstance, fleet: SimulatedFleet): void {
  app.get(SIM_ROUTES.metrics.path, async (): Promise<SimMetrics> => fleet.metrics());
  app.get(SIM_ROUTES.devices.path, async (): Promise<DevicesResponse> => ({ devices: fleet.devices() }));
  app.get(SIM_ROUTES.outcome.path, async (request): Promise<FleetOutcome> => fleet.outcome(parse(OutcomeQuery, request.query).targetVersion));
  app.get(SIM_ROUTES.commands.path, async (): Promise<CommandsResponse> => ({ commands: [...fleet.commandLog] }));
  app.post(SIM_ROUTES.reset.path, async (request): Promise<SimMetrics> => {
    fleet.reset(parse(ResetRequest, request.body ?? {}));
    return fleet.metrics();
  });
}

/** Bad input as the fleet server's error handler answers errors with a 4xx `statusCode`. */
function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw Object.assign(new Error(describeIssue(result.error).message), { statusCode: 400 });
}
