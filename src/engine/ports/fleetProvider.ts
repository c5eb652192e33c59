import { z } from 'zod';

/**
 * The port to a device-management system. Every call is bulk-shaped (a list in, a list out) so that
 * an HTTP implementation sends one request per batch, not one per device; every command carries an
 * idempotency key so that a retried activity never sends a second update.
 */

export const DeviceId = z.string().min(1).max(128);

export const DeviceAttributes = z.object({
  region: z.string(),
  hardwareRevision: z.string(),
  ring: z.string().optional(),
  tags: z.array(z.string()).default([]),
  batteryBacked: z.boolean().default(false),
});
export type DeviceAttributes = z.infer<typeof DeviceAttributes>;

/** A feature flag's name, as firmware reads it from its configuration: the seed's `new_sensor_algorithm`. */
export const FlagName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'use lower-case letters, digits and underscores, starting with a letter (at most 64), e.g. "new_sensor_algorithm"');

/** A device's feature flags as it applied them; a flag it was never sent is absent (its firmware's default: off). */
export const DeviceFlags = z.record(FlagName, z.boolean());
export type DeviceFlags = z.infer<typeof DeviceFlags>;

/** A flag's value on a device: absent is off. */
export const flagValue = (flags: DeviceFlags, flag: string): boolean => flags[flag] ?? false;

export const Device = z.object({
  id: DeviceId,
  firmwareVersion: z.string(),
  online: z.boolean(),
  attributes: DeviceAttributes,
  /** Absent from fleets that predate flags: none set. */
  flags: DeviceFlags.default({}),
});
export type Device = z.infer<typeof Device>;

export const InventoryPage = z.object({
  devices: z.array(Device),
  /** Opaque cursor for the next page; absent on the last page. */
  nextCursor: z.string().optional(),
});
export type InventoryPage = z.infer<typeof InventoryPage>;

export const Vitals = z.object({
  deviceId: DeviceId,
  online: z.boolean(),
  cpuPercent: z.number(),
  diskFreeMb: z.number(),
  /** Null for mains-powered gateways. */
  batteryPercent: z.number().nullable(),
  connectivityStable: z.boolean(),
  criticalProcesses: z.array(z.string()),
});
export type Vitals = z.infer<typeof Vitals>;

/** A signed firmware image; `src/adapters/artifacts/verify.ts` defines the signature format. */
export const FirmwareRef = z.object({
  version: z.string(),
  url: z.url({ protocol: /^https?$/ }),
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'write the SHA-256 as 64 hex digits'),
  sizeBytes: z.number().int().nonnegative(),
  /** Base64 Ed25519 signature over the raw SHA-256 digest of the image. */
  signature: z.string().min(1),
  /** Names the worker-trusted public key that verifies `signature`. */
  keyId: z.string().min(1),
});
export type FirmwareRef = z.infer<typeof FirmwareRef>;

/** Operation states as the device-management system reports them. */
export const OperationState = z.enum([
  'queued',
  'downloading',
  'downloaded',
  'installing',
  'rebooting',
  'succeeded',
  'failed',
  'rolled_back',
]);
export type OperationState = z.infer<typeof OperationState>;

export const TERMINAL_OPERATION_STATES: readonly OperationState[] = ['succeeded', 'failed', 'rolled_back'];

export const isTerminal = (state: OperationState): boolean => TERMINAL_OPERATION_STATES.includes(state);

/** `flag`: a device-configuration change, one flag set to a value (see `FlagCommand`). */
export const OperationKind = z.enum(['update', 'rollback', 'flag']);
export type OperationKind = z.infer<typeof OperationKind>;

export const UpdateCommand = z.object({
  deviceId: DeviceId,
  /** `rolloutId/deviceId/generation`: the fleet answers a repeated key with the operation it already has. */
  idempotencyKey: z.string().min(1),
  /** Groups the operations of one rollout, so they can be found again after a worker restart. */
  correlationId: z.string().min(1),
  firmware: FirmwareRef,
  /**
   * Download in chunks that survive a dropped connection (range requests, resumed where they broke)
   * instead of one stream the agent gives up on: for gateways on links that are never stable.
   */
  resumableDownload: z.boolean().optional(),
});
export type UpdateCommand = z.infer<typeof UpdateCommand>;

export const RollbackCommand = z.object({
  deviceId: DeviceId,
  idempotencyKey: z.string().min(1),
  correlationId: z.string().min(1),
  targetVersion: z.string(),
});
export type RollbackCommand = z.infer<typeof RollbackCommand>;

/**
 * Sets one flag on one device. The service keeps it as the device's desired configuration: a device
 * online applies it at once, one offline when it reconnects, within the service's operation timeout
 * (as a queued firmware command); after that the operation fails and the caller sends it again.
 */
export const FlagCommand = z.object({
  deviceId: DeviceId,
  /** Keyed as firmware commands are: a repeated key is answered with the operation it already made. */
  idempotencyKey: z.string().min(1),
  correlationId: z.string().min(1),
  flag: FlagName,
  value: z.boolean(),
});
export type FlagCommand = z.infer<typeof FlagCommand>;

/** What a flag operation reports as its `targetVersion`: the flag and the value it sets. */
export const flagTarget = (flag: string, value: boolean): string => `${flag}=${value}`;

export const Operation = z.object({
  operationId: z.string(),
  deviceId: DeviceId,
  kind: OperationKind,
  idempotencyKey: z.string(),
  correlationId: z.string(),
  state: OperationState,
  /** True when the command repeated an idempotency key and no new operation was created. */
  duplicate: z.boolean().default(false),
  errorCode: z.string().optional(),
  targetVersion: z.string(),
});
export type Operation = z.infer<typeof Operation>;

export const Health = z.object({
  deviceId: DeviceId,
  online: z.boolean(),
  firmwareVersion: z.string(),
  /**
   * Crashes since the device activated the firmware it runs now. A reboot, a crash's own included, does not
   * reset it; a change of firmware (update or rollback) does.
   */
  crashCount: z.number().int().nonnegative(),
  /**
   * How long the device has run that firmware, from its activation, reboots included: `crashCount` over
   * this is the firmware's crash rate on the device. Not the time since the last boot, which every crash
   * would reset.
   */
  firmwareUptimeSeconds: z.number().nonnegative(),
  batteryDrainPercentPerHour: z.number().nullable(),
});
export type Health = z.infer<typeof Health>;

/**
 * A device's flags and its crashes since it last changed them: what a flag rollout's health
 * evidence counts, as `Health` counts crashes since the firmware's activation.
 */
export const FlagState = z.object({
  deviceId: DeviceId,
  online: z.boolean(),
  flags: DeviceFlags,
  /** Crashes since the device last applied a flag change (or since its firmware's activation, if later). */
  crashCount: z.number().int().nonnegative(),
  /** How long the device has run with its current flags, reboots included. */
  flagsUptimeSeconds: z.number().nonnegative(),
});
export type FlagState = z.infer<typeof FlagState>;

export const OperationsQuery = z.object({
  correlationId: z.string(),
  deviceIds: z.array(DeviceId),
  kind: OperationKind.default('update'),
});
export type OperationsQuery = z.input<typeof OperationsQuery>;

/** What a caller with deadlines of its own asks of one call: a request not answered within `requestTimeoutMs` is cut and sent again. */
export interface FleetCall {
  requestTimeoutMs?: number;
}

export interface FleetProvider {
  inventory(page: { cursor?: string; limit: number }): Promise<InventoryPage>;
  vitals(deviceIds: string[]): Promise<Vitals[]>;
  startUpdates(commands: UpdateCommand[], call?: FleetCall): Promise<Operation[]>;
  /** The newest operation per device for one correlation id; devices without one are absent. */
  latestOperations(query: OperationsQuery, call?: FleetCall): Promise<Operation[]>;
  health(deviceIds: string[]): Promise<Health[]>;
  startRollbacks(commands: RollbackCommand[]): Promise<Operation[]>;
  /** Operations of kind `flag`, one per command; follow them with `latestOperations` of that kind. */
  setFlags(commands: FlagCommand[], call?: FleetCall): Promise<Operation[]>;
  flagStates(deviceIds: string[]): Promise<FlagState[]>;
}
