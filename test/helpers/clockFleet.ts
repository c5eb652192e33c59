import { MemoryFleet, type MemoryFleetOptions } from '../../rig/fleet/memoryFleet';
import type { Device, FlagCommand, FlagState, Health, Operation, RollbackCommand, UpdateCommand } from '../../src/engine/ports/fleetProvider';

/**
 * Notes the server's clock whenever an update command arrives. Under time skipping that is the
 * workflow clock, which the worker's own clock is not: set `serverClock` to the environment's.
 */
export class CommandClockFleet extends MemoryFleet {
  readonly commandsAt: { deviceId: string; at: number }[] = [];
  serverClock: () => Promise<number> = () => Promise.resolve(Date.now());

  override async startUpdates(commands: UpdateCommand[]): Promise<Operation[]> {
    const at = await this.serverClock();
    this.commandsAt.push(...commands.map(({ deviceId }) => ({ deviceId, at })));
    return super.startUpdates(commands);
  }
}

/**
 * Reports an updated device's time on its new firmware by the server's clock, from its last update
 * command: under time skipping a monitoring window passes on that clock, not on the worker's.
 */
export class ServerClockHealthFleet extends CommandClockFleet {
  private readonly initialVersions: Map<string, string>;

  constructor(options: MemoryFleetOptions) {
    super(options);
    this.initialVersions = new Map(options.devices.map((device) => [device.id, device.firmwareVersion]));
  }

  override async health(deviceIds: string[]): Promise<Health[]> {
    const now = await this.serverClock();
    return (await super.health(deviceIds)).map((report) => {
      const commanded = this.commandsAt.filter((command) => command.deviceId === report.deviceId).at(-1);
      const updated = commanded && report.firmwareVersion !== this.initialVersions.get(report.deviceId);
      return updated ? { ...report, firmwareUptimeSeconds: (now - commanded.at) / 1000 } : report;
    });
  }
}

const HOUR_MS = 3_600_000;

/** Crashes per hour of a device on a firmware version. */
export type CrashRate = (device: Device, firmwareVersion: string) => number;

/**
 * Every device crashes at a steady rate that depends on its firmware (and whatever else `rate`
 * reads), by the server's clock: `floor(rate × hours since it activated that firmware)`. Devices
 * start 30 days into their image; an update or rollback command activates the new one.
 */
export class CrashRateFleet extends CommandClockFleet {
  private readonly activations = new Activations();

  constructor(
    options: MemoryFleetOptions,
    private readonly rate: CrashRate,
  ) {
    super(options);
  }

  override async startUpdates(commands: UpdateCommand[]): Promise<Operation[]> {
    this.activations.activate(commands, await this.serverClock());
    return super.startUpdates(commands);
  }

  override async startRollbacks(commands: RollbackCommand[]): Promise<Operation[]> {
    this.activations.activate(commands, await this.serverClock());
    return super.startRollbacks(commands);
  }

  override async health(deviceIds: string[]): Promise<Health[]> {
    const now = await this.serverClock();
    return (await super.health(deviceIds)).map((report) => {
      const hours = this.activations.hoursOn(report.deviceId, now);
      return { ...report, crashCount: Math.floor(this.rate(this.device(report.deviceId), report.firmwareVersion) * hours), firmwareUptimeSeconds: hours * 3600 };
    });
  }
}

/** Crashes per hour of a device with one flag on or off. */
export type FlagCrashRate = (device: Device, on: boolean) => number;

/** As `CrashRateFleet`, for one flag: the rate depends on the flag's value, counted from the device's last flag command. */
export class FlagCrashRateFleet extends CommandClockFleet {
  private readonly activations = new Activations();

  constructor(
    options: MemoryFleetOptions,
    private readonly flag: string,
    private readonly rate: FlagCrashRate,
  ) {
    super(options);
  }

  override async setFlags(commands: FlagCommand[]): Promise<Operation[]> {
    this.activations.activate(commands, await this.serverClock());
    return super.setFlags(commands);
  }

  override async flagStates(deviceIds: string[]): Promise<FlagState[]> {
    const now = await this.serverClock();
    return (await super.flagStates(deviceIds)).map((state) => {
      const hours = this.activations.hoursOn(state.deviceId, now);
      return { ...state, crashCount: Math.floor(this.rate(this.device(state.deviceId), state.flags[this.flag] ?? false) * hours), flagsUptimeSeconds: hours * 3600 };
    });
  }
}

/** When each device last activated what it runs, by the server's clock; devices start 30 days into it. */
class Activations {
  private startedAt: number | undefined;
  private readonly activatedAt = new Map<string, number>();

  activate(commands: readonly { deviceId: string }[], now: number): void {
    for (const { deviceId } of commands) this.activatedAt.set(deviceId, now);
  }

  hoursOn(deviceId: string, now: number): number {
    this.startedAt ??= now;
    return (now - (this.activatedAt.get(deviceId) ?? this.startedAt - 30 * 24 * HOUR_MS)) / HOUR_MS;
  }
}
