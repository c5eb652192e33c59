import { generationOf, updateIdempotencyKey } from '../model/ids';
import type { KillSwitchPage } from '../model/killSwitch';
import type { FlagCommand, Operation } from '../ports/fleetProvider';
import { isTerminal } from '../ports/fleetProvider';
import type { ActivityDependencies } from './dependencies';
import { whileHeartbeating } from './polling';

export interface SwitchOffPageInput {
  flag: string;
  correlationId: string;
  cursor?: string;
  pageSize: number;
}

export function createKillSwitchActivities({ fleet }: Pick<ActivityDependencies, 'fleet'>) {
  /**
   * Reads one inventory page and sends the flag off to each device on it that reports it on, unless
   * that device's command is still queued; a device whose command failed, or that turned the flag on
   * again since, gets the next generation of its key. Safe to run again: a retry repeats the keys a
   * try before it sent, and the service answers those with the operations it already made.
   */
  async function switchOffPage({ flag, correlationId, cursor, pageSize }: SwitchOffPageInput): Promise<KillSwitchPage> {
    return whileHeartbeating(async () => {
      const page = await fleet.inventory({ limit: pageSize, ...(cursor ? { cursor } : {}) });
      const on = page.devices.filter((device) => device.flags[flag] === true).map((device) => device.id);
      const latest = on.length === 0 ? [] : await fleet.latestOperations({ correlationId, deviceIds: on, kind: 'flag' });
      const latestByDevice = new Map(latest.map((operation) => [operation.deviceId, operation]));
      const waiting = on.filter((deviceId) => isWaiting(latestByDevice.get(deviceId)));
      const commands: FlagCommand[] = on
        .filter((deviceId) => !isWaiting(latestByDevice.get(deviceId)))
        .map((deviceId) => {
          const previous = latestByDevice.get(deviceId);
          const generation = previous ? generationOf(previous.idempotencyKey) + 1 : 1;
          return { deviceId, idempotencyKey: updateIdempotencyKey(correlationId, deviceId, generation), correlationId, flag, value: false };
        });
      if (commands.length > 0) await fleet.setFlags(commands);
      return { ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}), scanned: page.devices.length, on: on.length, commanded: commands.length, waiting: waiting.length };
    });
  }

  return { switchOffPage };
}

const isWaiting = (operation: Operation | undefined): boolean => operation !== undefined && !isTerminal(operation.state);
