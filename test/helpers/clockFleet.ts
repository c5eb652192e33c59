import { MemoryFleet, type MemoryFleetOptions } from '../../rig/fleet/memoryFleet';
import type { Device, Health, Operation, RollbackCommand, UpdateCommand } from '../../src/engine/ports/fleetProvider';

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
  private startedAt: number | undefined;
  private readonly activatedAt = new Map<string, number>();

  constructor(
    options: MemoryFleetOptions,
    private readonly rate: CrashRate,
  ) {
    super(options);
  }

  override async startUpdates(commands: UpdateCommand[]): Promise<Operation[]> {
    await this.activate(commands.map((command) => command.deviceId));
    return super.startUpdates(commands);
  }

  override async startRollbacks(commands: RollbackCommand[]): Promise<Operation[]> {
    await this.activate(commands.map((command) => command.deviceId));
    return super.startRollbacks(commands);
  }

  override async health(deviceIds: string[]): Promise<Health[]> {
    const now = await this.serverClock();
    this.startedAt ??= now;
    return (await super.health(deviceIds)).map((report) => {
      const since = this.activatedAt.get(report.deviceId) ?? this.startedAt! - 30 * 24 * HOUR_MS;
      const hours = (now - since) / HOUR_MS;
      return { ...report, crashCount: Math.floor(this.rate(this.device(report.deviceId), report.firmwareVersion) * hours), firmwareUptimeSeconds: hours * 3600 };
    });
  }

  private async activate(deviceIds: string[]): Promise<void> {
    const now = await this.serverClock();
    for (const deviceId of deviceIds) this.activatedAt.set(deviceId, now);
  }
}
