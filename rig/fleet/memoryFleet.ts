import type {
  Device,
  FlagCommand,
  FlagState,
  FleetProvider,
  Health,
  InventoryPage,
  Operation,
  OperationKind,
  OperationsQuery,
  OperationState,
  RollbackCommand,
  UpdateCommand,
  Vitals,
} from '../../src/engine/ports/fleetProvider';
import { flagTarget, isTerminal, OperationsQuery as OperationsQuerySchema } from '../../src/engine/ports/fleetProvider';

/** How long an operation stays in each non-terminal state, in milliseconds of fleet time. */
export interface PhaseDurations {
  queued: number;
  downloading: number;
  downloaded: number;
  installing: number;
  rebooting: number;
}

const PHASES = ['queued', 'downloading', 'downloaded', 'installing', 'rebooting'] as const;

export const FAST_PHASES: PhaseDurations = { queued: 5, downloading: 20, downloaded: 5, installing: 10, rebooting: 10 };

export interface MemoryFleetOptions {
  devices: Device[];
  phases?: PhaseDurations;
  now?: () => number;
  /** How long every device has run its firmware when the fleet is made, in fleet time. */
  firmwareAgeMs?: number;
}

const DAY_MS = 24 * 3_600_000;

interface StoredOperation extends Operation {
  startedAt: number;
  outcome: 'succeeded' | 'failed';
  applied: boolean;
  flag?: { name: string; value: boolean };
}

interface DeviceRecord {
  device: Device;
  vitals: Omit<Vitals, 'deviceId' | 'online'>;
  pendingFailures: { count: number; errorCode: string };
  crashCount: number;
  /** Fleet time the device activated the firmware it runs. */
  firmwareSince: number;
  /** Fleet time the device last changed its flags (or activated its firmware), and its crashes since. */
  flagsSince: number;
  flagCrashCount: number;
}

const HEALTHY_VITALS: DeviceRecord['vitals'] = {
  cpuPercent: 15,
  diskFreeMb: 2048,
  batteryPercent: null,
  connectivityStable: true,
  criticalProcesses: [],
};

/**
 * An in-process fleet for tests and the embedded demo. Operations move through their states as
 * fleet time passes; failures are injected per device. It counts every command it receives, so
 * tests can prove that no device was sent a second update.
 */
export class MemoryFleet implements FleetProvider {
  private readonly records = new Map<string, DeviceRecord>();
  private readonly order: string[];
  private readonly operationsByKey = new Map<string, StoredOperation>();
  private readonly latestByDevice = new Map<string, StoredOperation>();
  /** Operations not yet terminal, per device: a device's version changes when one ends, seen or not. */
  private readonly unsettled = new Map<string, StoredOperation[]>();
  private readonly phases: PhaseDurations;
  private readonly now: () => number;
  private nextOperationNumber = 1;
  readonly commandLog: { kind: OperationKind; deviceId: string; idempotencyKey: string; duplicate: boolean }[] = [];

  constructor({ devices, phases = FAST_PHASES, now = Date.now, firmwareAgeMs = 30 * DAY_MS }: MemoryFleetOptions) {
    this.phases = phases;
    this.now = now;
    this.order = devices.map((device) => device.id).sort();
    const firmwareSince = now() - firmwareAgeMs;
    for (const device of devices) {
      const vitals = { ...HEALTHY_VITALS, batteryPercent: device.attributes.batteryBacked ? 90 : null };
      const record = { device: { ...structuredClone(device), flags: { ...device.flags } }, vitals, pendingFailures: { count: 0, errorCode: '' }, crashCount: 0, firmwareSince };
      this.records.set(device.id, { ...record, flagsSince: firmwareSince, flagCrashCount: 0 });
    }
  }

  async inventory({ cursor, limit }: { cursor?: string; limit: number }): Promise<InventoryPage> {
    const start = cursor ? Number(cursor) : 0;
    const ids = this.order.slice(start, start + limit);
    ids.forEach((id) => this.settle(id));
    const end = start + ids.length;
    return {
      devices: ids.map((id) => structuredClone(this.record(id).device)),
      ...(end < this.order.length ? { nextCursor: String(end) } : {}),
    };
  }

  async vitals(deviceIds: string[]): Promise<Vitals[]> {
    return deviceIds.map((deviceId) => {
      const record = this.settle(deviceId);
      return { deviceId, online: record.device.online, ...structuredClone(record.vitals) };
    });
  }

  async startUpdates(commands: UpdateCommand[]): Promise<Operation[]> {
    return commands.map((command) => this.start('update', command, command.firmware.version));
  }

  async startRollbacks(commands: RollbackCommand[]): Promise<Operation[]> {
    return commands.map((command) => this.start('rollback', command, command.targetVersion));
  }

  /** A flag is applied once the operation's `queued` phase is over, online or not: the memory fleet does not model connections. */
  async setFlags(commands: FlagCommand[]): Promise<Operation[]> {
    return commands.map((command) => this.start('flag', command, flagTarget(command.flag, command.value), { name: command.flag, value: command.value }));
  }

  async flagStates(deviceIds: string[]): Promise<FlagState[]> {
    return deviceIds.map((deviceId) => {
      const { device, flagCrashCount, flagsSince } = this.settle(deviceId);
      return { deviceId, online: device.online, flags: { ...device.flags }, crashCount: flagCrashCount, flagsUptimeSeconds: Math.max(0, this.now() - flagsSince) / 1000 };
    });
  }

  async latestOperations(query: OperationsQuery): Promise<Operation[]> {
    const { correlationId, deviceIds, kind } = OperationsQuerySchema.parse(query);
    return deviceIds.flatMap((deviceId) => {
      const operation = this.latestByDevice.get(`${kind}/${correlationId}/${deviceId}`);
      return operation ? [this.view(operation)] : [];
    });
  }

  async health(deviceIds: string[]): Promise<Health[]> {
    return deviceIds.map((deviceId) => {
      const { device, crashCount, firmwareSince } = this.settle(deviceId);
      return {
        deviceId,
        online: device.online,
        firmwareVersion: device.firmwareVersion,
        crashCount,
        firmwareUptimeSeconds: Math.max(0, this.now() - firmwareSince) / 1000,
        batteryDrainPercentPerHour: device.attributes.batteryBacked ? 1 : null,
      };
    });
  }

  /** The next `count` update operations of this device end `failed` with `errorCode`. */
  failNextUpdates(deviceId: string, count: number, errorCode = 'INSTALL_FAILED'): void {
    this.record(deviceId).pendingFailures = { count, errorCode };
  }

  setVitals(deviceId: string, vitals: Partial<DeviceRecord['vitals']>): void {
    Object.assign(this.record(deviceId).vitals, vitals);
  }

  /** Crashes the device reports on whatever image it runs, before and after an update alike. */
  setCrashCount(deviceId: string, crashCount: number): void {
    this.record(deviceId).crashCount = crashCount;
  }

  /** Crashes the device reports since it last changed its flags. */
  setFlagCrashCount(deviceId: string, crashCount: number): void {
    this.record(deviceId).flagCrashCount = crashCount;
  }

  setOnline(deviceId: string, online: boolean): void {
    this.record(deviceId).device.online = online;
  }

  device(deviceId: string): Device {
    return structuredClone(this.settle(deviceId).device);
  }

  /** Devices with an operation of either kind that has not ended yet. */
  devicesInFlight(): string[] {
    return this.order.filter((id) => (this.settle(id), (this.unsettled.get(id)?.length ?? 0) > 0));
  }

  /** Commands that created an operation (duplicates excluded), per device. */
  acceptedCommands(kind: OperationKind = 'update'): Map<string, number> {
    const counts = new Map<string, number>();
    for (const entry of this.commandLog) {
      if (entry.kind === kind && !entry.duplicate) counts.set(entry.deviceId, (counts.get(entry.deviceId) ?? 0) + 1);
    }
    return counts;
  }

  private start(kind: OperationKind, command: UpdateCommand | RollbackCommand | FlagCommand, targetVersion: string, flag?: StoredOperation['flag']): Operation {
    const existing = this.operationsByKey.get(command.idempotencyKey);
    this.commandLog.push({ kind, deviceId: command.deviceId, idempotencyKey: command.idempotencyKey, duplicate: !!existing });
    if (existing) return { ...this.view(existing), duplicate: true };
    const record = this.record(command.deviceId);
    const failure = kind === 'update' && record.pendingFailures.count > 0 ? record.pendingFailures : undefined;
    if (failure) failure.count -= 1;
    const operation: StoredOperation = {
      operationId: `op-${this.nextOperationNumber++}`,
      deviceId: command.deviceId,
      kind,
      idempotencyKey: command.idempotencyKey,
      correlationId: command.correlationId,
      state: 'queued',
      duplicate: false,
      targetVersion,
      startedAt: this.now(),
      outcome: failure ? 'failed' : 'succeeded',
      applied: false,
      ...(failure ? { errorCode: failure.errorCode } : {}),
      ...(flag ? { flag } : {}),
    };
    this.operationsByKey.set(command.idempotencyKey, operation);
    this.unsettled.set(command.deviceId, [...(this.unsettled.get(command.deviceId) ?? []), operation]);
    this.latestByDevice.set(`${kind}/${command.correlationId}/${command.deviceId}`, operation);
    return this.view(operation);
  }

  private view(operation: StoredOperation): Operation {
    const state = this.stateAt(operation);
    if (state === 'succeeded' && !operation.applied) {
      operation.applied = true;
      this.apply(operation);
    }
    const { startedAt: _startedAt, outcome: _outcome, applied: _applied, flag: _flag, ...visible } = operation;
    return { ...visible, state, duplicate: false };
  }

  private apply(operation: StoredOperation): void {
    const record = this.record(operation.deviceId);
    const appliedAt = operation.startedAt + this.phasesOf(operation).reduce((total, phase) => total + this.phases[phase], 0);
    if (operation.flag) {
      record.device.flags = { ...record.device.flags, [operation.flag.name]: operation.flag.value };
    } else {
      record.device.firmwareVersion = operation.targetVersion;
      record.firmwareSince = appliedAt;
    }
    record.flagsSince = appliedAt;
    record.flagCrashCount = 0;
  }

  /** A flag operation waits to be delivered and is then applied; firmware goes through every phase. */
  private phasesOf(operation: StoredOperation): readonly (typeof PHASES)[number][] {
    return operation.kind === 'flag' ? ['queued'] : PHASES;
  }

  private stateAt(operation: StoredOperation): OperationState {
    let elapsed = this.now() - operation.startedAt;
    for (const phase of this.phasesOf(operation)) {
      if (elapsed < this.phases[phase]) return phase;
      elapsed -= this.phases[phase];
    }
    return operation.outcome;
  }

  private settle(deviceId: string): DeviceRecord {
    const pending = (this.unsettled.get(deviceId) ?? []).filter((operation) => !isTerminal(this.view(operation).state));
    this.unsettled.set(deviceId, pending);
    return this.record(deviceId);
  }

  private record(deviceId: string): DeviceRecord {
    const record = this.records.get(deviceId);
    if (!record) throw new Error(`unknown device ${deviceId}`);
    return record;
  }
}
