import { MemoryFleet, type MemoryFleetOptions } from '../../rig/fleet/memoryFleet';
import type { Health, Operation, UpdateCommand } from '../../src/engine/ports/fleetProvider';

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
