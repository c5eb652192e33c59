import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import type { Operation, UpdateCommand } from '../../src/engine/ports/fleetProvider';

/** Notes, whenever an update command arrives, when and which devices have an operation in flight. */
export class InFlightRecordingFleet extends MemoryFleet {
  readonly inFlightAtCommand: { deviceId: string; inFlight: string[] }[] = [];
  /** When each update command arrived, on this process's clock. */
  readonly commandTimes: number[] = [];

  override async startUpdates(commands: UpdateCommand[]): Promise<Operation[]> {
    const operations = await super.startUpdates(commands);
    for (const command of commands) {
      this.commandTimes.push(Date.now());
      this.inFlightAtCommand.push({ deviceId: command.deviceId, inFlight: this.devicesInFlight() });
    }
    return operations;
  }
}
