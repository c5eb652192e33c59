import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type RouteHandlerMethod } from 'fastify';
import type { z } from 'zod';
import type { FleetProvider, Operation } from '../../src/engine/ports/fleetProvider';
import { installAdmissionLimit, type AdmissionLimit } from './admissionLimit';
import {
  DeviceIdsRequest,
  DeviceStatusParams,
  DeviceStatusQuery,
  ErrorCode,
  ManagementRequest,
  InventoryQuery,
  ROUTES,
  describeIssue,
  errorBody,
  type DeviceFlagsResponse,
  type DeviceHealthResponse,
  type OperationsResponse,
  type RouteName,
  type ServiceHealthResponse,
  type VitalsResponse,
} from '../../src/adapters/fleet/contract';
import { installFaults, type FaultInjector } from './faultInjector';

export interface FleetServerOptions {
  fleet: FleetProvider;
  /** A pino logger. */
  logger?: FastifyBaseLogger;
  limits?: Partial<AdmissionLimit>;
  faults?: FaultInjector;
}

export const DEFAULT_SERVER_LIMITS: AdmissionLimit = { maxInFlightRequests: 64, retryAfterSeconds: 1 };

/** Correlation ids travel in the path and may be longer than fastify's default of 100 characters. */
const MAX_PATH_PARAM_LENGTH = 1024;

/**
 * The fleet's device-management REST API, serving any FleetProvider. Transport only: validation,
 * admission and fault injection live here, fleet behaviour stays in the provider.
 */
export function createFleetServer({ fleet, logger, limits, faults }: FleetServerOptions): FastifyInstance {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
  });
  installErrorHandling(app);
  installAdmissionLimit(app, { ...DEFAULT_SERVER_LIMITS, ...limits });
  if (faults) installFaults(app, faults);
  registerRoutes(app, fleet);
  return app;
}

function registerRoutes(app: FastifyInstance, fleet: FleetProvider): void {
  const serve = (name: RouteName, handler: RouteHandlerMethod) =>
    app.route({ method: ROUTES[name].method, url: ROUTES[name].path, handler });

  serve('serviceHealth', async (): Promise<ServiceHealthResponse> => ({ status: 'ok' }));

  serve('inventory', async (request) => fleet.inventory(parseInput(InventoryQuery, request.query)));

  serve('vitals', async (request): Promise<VitalsResponse> => {
    const { deviceIds } = parseInput(DeviceIdsRequest, request.body);
    return { vitals: await fleet.vitals(deviceIds) };
  });

  serve('deviceHealth', async (request): Promise<DeviceHealthResponse> => {
    const { deviceIds } = parseInput(DeviceIdsRequest, request.body);
    return { health: await fleet.health(deviceIds) };
  });

  serve('deviceFlags', async (request): Promise<DeviceFlagsResponse> => {
    const { deviceIds } = parseInput(DeviceIdsRequest, request.body);
    return { flags: await fleet.flagStates(deviceIds) };
  });

  serve('requests', async (request, reply): Promise<OperationsResponse> => {
    const operations = await startOperations(fleet, parseInput(ManagementRequest, request.body));
    reply.code(202);
    return { operations };
  });

  serve('deviceStatus', async (request): Promise<OperationsResponse> => {
    const { correlationId } = parseInput(DeviceStatusParams, request.params);
    const { kind, deviceIds } = parseInput(DeviceStatusQuery, request.body);
    return { operations: await fleet.latestOperations({ correlationId, kind, deviceIds }) };
  });
}

function startOperations(fleet: FleetProvider, body: ManagementRequest): Promise<Operation[]> {
  switch (body.action) {
    case 'firmware/update':
      return fleet.startUpdates(body.devices);
    case 'firmware/rollback':
      return fleet.startRollbacks(body.devices);
    case 'device/flags':
      return fleet.setFlags(body.devices);
  }
}

class InvalidInput extends Error {
  constructor(
    message: string,
    readonly field: string | undefined,
  ) {
    super(message);
  }
}

function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const { field, message } = describeIssue(result.error);
  throw new InvalidInput(message, field);
}

function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody(ErrorCode.NotFound, `no route ${request.method} ${request.url}`)),
  );
  app.setErrorHandler<FastifyError>((error, request, reply) => {
    if (error instanceof InvalidInput) return reply.code(400).send(errorBody(ErrorCode.InvalidRequest, error.message, error.field));
    // Fastify's own 4xx: malformed JSON, unsupported media type, body too large.
    const status = error.statusCode ?? 500;
    if (status < 500) return reply.code(status).send(errorBody(ErrorCode.InvalidRequest, error.message));
    request.log.error({ err: error }, 'fleet provider failed');
    return reply.code(500).send(errorBody(ErrorCode.Internal, error.message));
  });
}
