import { MemoryFleet } from '../../src/fleet/memoryFleet';
import type { Operation, UpdateCommand } from '../../src/fleet/provider';

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
