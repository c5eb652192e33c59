import { MemoryFleet, type MemoryFleetOptions } from '../../rig/fleet/memoryFleet';
import type { Operation, UpdateCommand } from '../../src/engine/ports/fleetProvider';

/** A fleet that refuses update commands for `refusingMs` from the first it is sent, as one out of reach or restarting does. */
export class RefusingFleet extends MemoryFleet {
  refusedCommands = 0;
  private acceptsFrom: number | undefined;

  constructor(
    options: MemoryFleetOptions,
    private readonly refusingMs: number,
  ) {
    super(options);
  }

  override async startUpdates(commands: UpdateCommand[]): Promise<Operation[]> {
    this.acceptsFrom ??= Date.now() + this.refusingMs;
    if (Date.now() < this.acceptsFrom) {
      this.refusedCommands += commands.length;
      throw new Error('the fleet is restarting');
    }
    return super.startUpdates(commands);
  }
}
