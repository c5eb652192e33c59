import { z } from 'zod';
import { DeviceId, FlagCommand, FlagState, Health, InventoryPage, Operation, OperationKind, RollbackCommand, UpdateCommand, Vitals } from '../../engine/ports/fleetProvider';

/**
 * The REST contract of a fleet's device-management service, shared by server and client. It follows
 * the IBM Watson IoT device-management API (`/api/v0002/mgmt/requests` to start firmware actions,
 * `.../requests/{id}/deviceStatus` to follow them), extended with what the FleetProvider port needs.
 */

export const API_BASE_PATH = '/api/v0002/mgmt';

/**
 * Optional on every management answer: the service's load in percent (its CPU, or whatever it
 * saturates on). Clients that see it keep their operations in flight under a target load.
 */
export const SERVICE_LOAD_HEADER = 'x-service-load-percent';

/** The seed fleet's queue depth: no request may name more devices than this. */
export const MAX_DEVICES_PER_REQUEST = 100;
export const MAX_INVENTORY_PAGE_SIZE = 1000;

export const ROUTES = {
  serviceHealth: { method: 'GET', path: '/healthz' },
  inventory: { method: 'GET', path: `${API_BASE_PATH}/devices` },
  vitals: { method: 'POST', path: `${API_BASE_PATH}/devices/vitals` },
  deviceHealth: { method: 'POST', path: `${API_BASE_PATH}/devices/health` },
  /** Each device's feature flags as it applied them, and its crashes since it last changed them. */
  deviceFlags: { method: 'POST', path: `${API_BASE_PATH}/devices/flags` },
  requests: { method: 'POST', path: `${API_BASE_PATH}/requests` },
  /**
   * Unlike Watson's server-assigned request id, the "request" here is the caller's correlation id,
   * so a restarted worker can find its operations again. POST, because a query naming up to
   * MAX_DEVICES_PER_REQUEST device ids does not fit safely in a URL.
   */
  deviceStatus: { method: 'POST', path: `${API_BASE_PATH}/requests/:correlationId/deviceStatus/query` },
} as const satisfies Record<string, { method: 'GET' | 'POST'; path: string }>;

export type RouteName = keyof typeof ROUTES;
export type Route = (typeof ROUTES)[RouteName];

export const deviceStatusPath = (correlationId: string): string =>
  ROUTES.deviceStatus.path.replace(':correlationId', encodeURIComponent(correlationId));

const DeviceIdBatch = z.array(DeviceId).min(1).max(MAX_DEVICES_PER_REQUEST);

export const InventoryQuery = z.object({
  cursor: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_INVENTORY_PAGE_SIZE),
});
export const InventoryResponse = InventoryPage;

export const DeviceIdsRequest = z.object({ deviceIds: DeviceIdBatch });
export type DeviceIdsRequest = z.infer<typeof DeviceIdsRequest>;

export const VitalsResponse = z.object({ vitals: z.array(Vitals) });
export type VitalsResponse = z.infer<typeof VitalsResponse>;

export const DeviceHealthResponse = z.object({ health: z.array(Health) });
export type DeviceHealthResponse = z.infer<typeof DeviceHealthResponse>;

export const DeviceFlagsResponse = z.object({ flags: z.array(FlagState) });
export type DeviceFlagsResponse = z.infer<typeof DeviceFlagsResponse>;

/**
 * Watson's request body, with each device carrying its own command (idempotency key, correlation id,
 * target). `device/flags` is Watson's `device/config` action narrowed to one feature flag per device.
 */
export const ManagementRequest = z.discriminatedUnion('action', [
  z.object({ action: z.literal('firmware/update'), devices: z.array(UpdateCommand).min(1).max(MAX_DEVICES_PER_REQUEST) }),
  z.object({ action: z.literal('firmware/rollback'), devices: z.array(RollbackCommand).min(1).max(MAX_DEVICES_PER_REQUEST) }),
  z.object({ action: z.literal('device/flags'), devices: z.array(FlagCommand).min(1).max(MAX_DEVICES_PER_REQUEST) }),
]);
export type ManagementRequest = z.infer<typeof ManagementRequest>;

export const DeviceStatusParams = z.object({ correlationId: z.string().min(1) });
export const DeviceStatusQuery = z.object({ kind: OperationKind.default('update'), deviceIds: DeviceIdBatch });
export type DeviceStatusQuery = z.input<typeof DeviceStatusQuery>;

export const OperationsResponse = z.object({ operations: z.array(Operation) });
export type OperationsResponse = z.infer<typeof OperationsResponse>;

export const ServiceHealthResponse = z.object({ status: z.literal('ok') });
export type ServiceHealthResponse = z.infer<typeof ServiceHealthResponse>;

export const ErrorCode = {
  InvalidRequest: 'INVALID_REQUEST',
  NotFound: 'NOT_FOUND',
  Overloaded: 'OVERLOADED',
  Internal: 'INTERNAL',
  Unavailable: 'UNAVAILABLE',
} as const;

export const ErrorResponse = z.object({
  error: z.object({
    /** One of ErrorCode, but read as any string so that a newer server's codes do not break older clients. */
    code: z.string(),
    message: z.string(),
    /** The offending input field, as `describeIssue` names it. */
    field: z.string().optional(),
  }),
});
export type ErrorResponse = z.infer<typeof ErrorResponse>;

/** How the contract names the offending field: the dotted path of the first issue, e.g. `devices.3.idempotencyKey`. */
export function describeIssue(error: z.ZodError): { field?: string; message: string } {
  const issue = error.issues[0];
  const field = issue?.path.map(String).join('.') || undefined;
  const message = issue?.message ?? 'invalid';
  return field ? { field, message: `${field}: ${message}` } : { message };
}

export const errorBody = (code: string, message: string, field?: string): ErrorResponse => ({
  error: { code, message, ...(field ? { field } : {}) },
});
