import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import type { Operation, RollbackCommand, UpdateCommand } from '../../src/engine/ports/fleetProvider';

/** Notes, whenever an update command arrives, when and which devices have an operation in flight; and when rollback commands arrive. */
export class InFlightRecordingFleet extends MemoryFleet {
  readonly inFlightAtCommand: { deviceId: string; inFlight: string[] }[] = [];
  /** When each update command arrived, on this process's clock. */
  readonly commandTimes: number[] = [];
  /** When each rollback command arrived, on this process's clock. */
  readonly rollbackTimes: number[] = [];

  override async startUpdates(commands: UpdateCommand[]): Promise<Operation[]> {
    const operations = await super.startUpdates(commands);
    for (const command of commands) {
      this.commandTimes.push(Date.now());
      this.inFlightAtCommand.push({ deviceId: command.deviceId, inFlight: this.devicesInFlight() });
    }
    return operations;
  }

  override async startRollbacks(commands: RollbackCommand[]): Promise<Operation[]> {
    const operations = await super.startRollbacks(commands);
    this.rollbackTimes.push(...commands.map(() => Date.now()));
    return operations;
  }
}
