import { z } from 'zod';
import {
  flagTarget,
  OperationsQuery as OperationsQuerySchema,
  type FlagCommand,
  type FlagState,
  type FleetProvider,
  type Health,
  type InventoryPage,
  type Operation,
  type OperationKind,
  type OperationsQuery,
  type RollbackCommand,
  type UpdateCommand,
  type Vitals,
} from '../../src/engine/ports/fleetProvider';
import type { SimClock } from './clock';
import type { Gateway } from './gateway';
import { admission, type Admission } from './management';
import type { SimMetrics } from './metrics';
import { SimulationModel } from './model';
import type { CommandLogEntry, NewOperation } from './operations';
import { toOperation } from './operations';
import { deviceReport, fleetOutcome, type DeviceReport, type FleetOutcome } from './outcome';
import { FailureProfile, PROFILE_NAMES, profileNamed } from './profiles';
import type { FirmwareTransfer } from './transfer';
import { World, type WorldSpec } from './world';

export const SimulatorOptions = z.object({
  devices: z.number().int().min(1).max(100_000).default(200),
  seed: z.number().int().nonnegative().default(1),
  /** A named profile or a profile of its own. */
  profile: z.union([z.enum(PROFILE_NAMES), FailureProfile]).default('field'),
  /** What every gateway runs at the start. */
  firmwareVersion: z.string().min(1).default('1.0.0'),
  model: SimulationModel.prefault({}),
});
export type SimulatorOptions = z.input<typeof SimulatorOptions>;

/** What `POST /sim/reset` may change; the rest of the configuration stays. */
export const ResetRequest = SimulatorOptions.pick({ seed: true, profile: true }).partial();
export type ResetRequest = z.infer<typeof ResetRequest>;

/** Named ids the fleet does not have; fastify answers it with its `statusCode`. */
export class UnknownDevicesError extends Error {
  override readonly name = 'UnknownDevicesError';
  readonly statusCode = 404;

  constructor(readonly deviceIds: string[]) {
    super(`unknown devices: ${deviceIds.slice(0, 5).join(', ')}${deviceIds.length > 5 ? ` and ${deviceIds.length - 5} more` : ''}`);
  }
}

/**
 * A simulated fleet and its management service behind the FleetProvider port: gateways that
 * download over a shared uplink, flash, reboot and roll themselves back, and a service that
 * saturates past about 50 operations in flight. Time comes from the clock; each read catches it up.
 */
export class SimulatedFleet implements FleetProvider {
  private spec: WorldSpec;
  private world: World;

  constructor(
    options: SimulatorOptions,
    readonly clock: SimClock,
    private readonly transfer?: FirmwareTransfer,
  ) {
    this.spec = worldSpec(SimulatorOptions.parse(options), transfer);
    this.world = new World(this.spec);
    clock.attach((dtMs) => this.world.step(dtMs));
  }

  async inventory({ cursor, limit }: { cursor?: string; limit: number }): Promise<InventoryPage> {
    const { gateways } = this.now();
    const start = cursor ? Number(cursor) : 0;
    const page = gateways.slice(start, start + limit);
    const end = start + page.length;
    return { devices: page.map((gateway) => gateway.device()), ...(end < gateways.length ? { nextCursor: String(end) } : {}) };
  }

  async vitals(deviceIds: string[]): Promise<Vitals[]> {
    const world = this.now();
    const { gateway, network } = this.spec.model;
    return this.gateways(deviceIds).map((device) => device.vitals(world.nowMs, gateway, network.unstableAfterDropMs));
  }

  async health(deviceIds: string[]): Promise<Health[]> {
    const world = this.now();
    return this.gateways(deviceIds).map((device) => device.health(world.nowMs, this.spec.model.gateway));
  }

  async startUpdates(commands: UpdateCommand[]): Promise<Operation[]> {
    return this.command(
      commands.map(({ firmware, ...command }) => ({ ...command, kind: 'update', targetVersion: firmware.version, sizeBytes: firmware.sizeBytes })),
    );
  }

  async startRollbacks(commands: RollbackCommand[]): Promise<Operation[]> {
    return this.command(commands.map((command) => ({ ...command, kind: 'rollback', sizeBytes: 0 })));
  }

  async setFlags(commands: FlagCommand[]): Promise<Operation[]> {
    return this.command(
      commands.map(({ flag, value, ...command }) => ({ ...command, kind: 'flag', targetVersion: flagTarget(flag, value), sizeBytes: 0, flag: { name: flag, value } })),
    );
  }

  async flagStates(deviceIds: string[]): Promise<FlagState[]> {
    const world = this.now();
    return this.gateways(deviceIds).map((device) => device.flagState(world.nowMs));
  }

  async latestOperations(query: OperationsQuery): Promise<Operation[]> {
    const { correlationId, deviceIds, kind } = OperationsQuerySchema.parse(query);
    const { store } = this.now();
    return deviceIds.flatMap((deviceId) => {
      const operation = store.latestFor(kind, correlationId, deviceId);
      return operation ? [toOperation(operation)] : [];
    });
  }

  /**
   * How the management service answers an API request now, given the load of its last step:
   * operations commanded since then have not cost it anything yet. Refusals are counted.
   */
  admit(): Admission {
    const world = this.now();
    const answer = admission(this.spec.model.management, world.totals.load);
    if (!answer.admitted) world.totals.requestsRefused += 1;
    return answer;
  }

  /** The service's CPU with the operations it tracks now, those commanded since the last step included. */
  serviceLoadPercent(): number {
    return Math.round(this.now().load().cpuPercent * 10) / 10;
  }

  metrics(): SimMetrics {
    return this.now().metrics(this.clock.speedup, this.clock.stepMs);
  }

  devices(): DeviceReport[] {
    return this.now().gateways.map(deviceReport);
  }

  outcome(targetVersion: string): FleetOutcome {
    const world = this.now();
    return fleetOutcome(world.gateways, targetVersion, world.nowMs);
  }

  get commandLog(): readonly CommandLogEntry[] {
    return this.world.store.commandLog;
  }

  /** Commands that created an operation (duplicates excluded), per device. */
  acceptedCommands(kind: OperationKind = 'update'): Map<string, number> {
    return this.world.store.acceptedCommands(kind);
  }

  /** A fresh fleet at plan time 0, optionally with another seed or profile. */
  reset(changes: ResetRequest = {}): void {
    const current = { devices: this.spec.devices, seed: this.spec.seed, profile: this.spec.profile, firmwareVersion: this.spec.firmwareVersion };
    this.spec = worldSpec(SimulatorOptions.parse({ ...current, model: this.spec.model, ...changes }), this.transfer);
    this.world = new World(this.spec);
    this.clock.restart();
  }

  private command(commands: NewOperation[]): Operation[] {
    const { store, nowMs } = this.now();
    this.gateways(commands.map((command) => command.deviceId));
    return commands.map((command) => {
      const { operation, duplicate } = store.command(command, nowMs);
      return toOperation(operation, duplicate);
    });
  }

  private gateways(deviceIds: string[]): Gateway[] {
    const found = deviceIds.map((deviceId) => this.world.gateway(deviceId));
    const unknown = deviceIds.filter((_, index) => !found[index]);
    if (unknown.length > 0) throw new UnknownDevicesError(unknown);
    return found as Gateway[];
  }

  private now(): World {
    this.clock.sync();
    return this.world;
  }
}

function worldSpec(options: z.infer<typeof SimulatorOptions>, transfer: FirmwareTransfer | undefined): WorldSpec {
  const profile = typeof options.profile === 'string' ? profileNamed(options.profile) : options.profile;
  return { devices: options.devices, seed: options.seed, firmwareVersion: options.firmwareVersion, model: options.model, profile, ...(transfer ? { transfer } : {}) };
}
