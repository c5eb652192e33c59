import pino, { type Logger } from 'pino';
import { z } from 'zod';
import type {
  FlagCommand,
  FlagState,
  FleetCall,
  FleetProvider,
  Health,
  InventoryPage,
  Operation,
  OperationsQuery,
  RollbackCommand,
  UpdateCommand,
  Vitals,
} from '../../engine/ports/fleetProvider';
import {
  DeviceFlagsResponse,
  DeviceHealthResponse,
  InventoryResponse,
  MAX_DEVICES_PER_REQUEST,
  MAX_INVENTORY_PAGE_SIZE,
  OperationsResponse,
  ROUTES,
  VitalsResponse,
  deviceStatusPath,
  type DeviceIdsRequest,
  type DeviceStatusQuery,
  type ManagementRequest,
} from './contract';
import { AdaptiveAdmission } from './adaptiveAdmission';
import { FleetHttpClient, FleetHttpClientOptions } from './fleetHttpClient';
import { chunks } from '../../engine/model/chunks';

export const HttpFleetOptions = FleetHttpClientOptions.extend({
  maxDevicesPerRequest: z.number().int().min(1).max(MAX_DEVICES_PER_REQUEST).default(MAX_DEVICES_PER_REQUEST),
});
export type HttpFleetOptions = z.input<typeof HttpFleetOptions> & { logger?: Logger; admission?: AdaptiveAdmission };

const timeoutOf = ({ requestTimeoutMs }: FleetCall) => (requestTimeoutMs === undefined ? {} : { timeoutMs: requestTimeoutMs });

/** The FleetProvider port over the fleet's REST contract (see ./contract). */
export class HttpFleet implements FleetProvider {
  private readonly client: FleetHttpClient;
  private readonly maxDevicesPerRequest: number;
  /** The adaptive limit on operations in flight at this service, following its every answer. */
  readonly admission: AdaptiveAdmission;

  constructor({ logger = pino({ level: 'silent' }), admission = new AdaptiveAdmission(), ...options }: HttpFleetOptions) {
    const { maxDevicesPerRequest, ...clientOptions } = HttpFleetOptions.parse(options);
    this.admission = admission;
    this.client = new FleetHttpClient(clientOptions, logger, () => admission.requestStarted());
    this.maxDevicesPerRequest = maxDevicesPerRequest;
  }

  /** A page may hold fewer devices than asked for: the service caps its page size. */
  async inventory({ cursor, limit }: { cursor?: string; limit: number }): Promise<InventoryPage> {
    const query = new URLSearchParams({ limit: String(Math.min(limit, MAX_INVENTORY_PAGE_SIZE)) });
    if (cursor) query.set('cursor', cursor);
    return this.client.send({ route: ROUTES.inventory, query }, InventoryResponse);
  }

  async vitals(deviceIds: string[]): Promise<Vitals[]> {
    return this.inBatches(deviceIds, async (batch) => {
      const body: DeviceIdsRequest = { deviceIds: batch };
      return (await this.client.send({ route: ROUTES.vitals, body }, VitalsResponse)).vitals;
    });
  }

  async health(deviceIds: string[]): Promise<Health[]> {
    return this.inBatches(deviceIds, async (batch) => {
      const body: DeviceIdsRequest = { deviceIds: batch };
      return (await this.client.send({ route: ROUTES.deviceHealth, body }, DeviceHealthResponse)).health;
    });
  }

  async flagStates(deviceIds: string[]): Promise<FlagState[]> {
    return this.inBatches(deviceIds, async (batch) => {
      const body: DeviceIdsRequest = { deviceIds: batch };
      return (await this.client.send({ route: ROUTES.deviceFlags, body }, DeviceFlagsResponse)).flags;
    });
  }

  async setFlags(commands: FlagCommand[], call: FleetCall = {}): Promise<Operation[]> {
    return this.inBatches(commands, (devices) => this.request({ action: 'device/flags', devices }, call));
  }

  async startUpdates(commands: UpdateCommand[], call: FleetCall = {}): Promise<Operation[]> {
    return this.inBatches(commands, (devices) => this.request({ action: 'firmware/update', devices }, call));
  }

  async startRollbacks(commands: RollbackCommand[]): Promise<Operation[]> {
    return this.inBatches(commands, (devices) => this.request({ action: 'firmware/rollback', devices }));
  }

  async latestOperations({ correlationId, deviceIds, kind }: OperationsQuery, call: FleetCall = {}): Promise<Operation[]> {
    const path = deviceStatusPath(correlationId);
    return this.inBatches(deviceIds, async (batch) => {
      const body: DeviceStatusQuery = { kind, deviceIds: batch };
      return (await this.client.send({ route: ROUTES.deviceStatus, path, body, ...timeoutOf(call) }, OperationsResponse)).operations;
    });
  }

  private async request(body: ManagementRequest, call: FleetCall = {}): Promise<Operation[]> {
    return (await this.client.send({ route: ROUTES.requests, body, ...timeoutOf(call) }, OperationsResponse)).operations;
  }

  /**
   * One request per batch, in order, one at a time: the service's queue is shallow, and if a later
   * batch fails the caller retries all of them, which the idempotency keys make safe.
   */
  private async inBatches<T, R>(items: T[], send: (batch: T[]) => Promise<R[]>): Promise<R[]> {
    const results: R[] = [];
    for (const batch of chunks(items, this.maxDevicesPerRequest)) results.push(...(await send(batch)));
    return results;
  }
}
