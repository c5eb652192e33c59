import { Context } from '@temporalio/activity';
import { isTerminal, type Operation } from '../fleet/provider';
import type { ActivityDependencies } from './index';
import { chunks } from './chunks';
import { pollUntil } from './polling';

export interface RollbackInput {
  rolloutId: string;
  maxConcurrent: number;
  maxPollIntervalMs: number;
}

export interface RollbackDevicesInput extends RollbackInput {
  deviceIds: string[];
}

export interface RollbackResult {
  rolledBack: number;
  failed: number;
}

const rollbackKey = (rolloutId: string, deviceId: string): string => `rollback/${rolloutId}/${deviceId}`;

export function createRollbackActivities({ fleet, ledger }: ActivityDependencies) {
  /**
   * Returns every device this rollout updated to the version it ran before, at most `maxConcurrent`
   * at a time. Rollback commands are keyed per device, so a retried activity resends nothing new.
   */
  async function rollbackRollout(input: RollbackInput): Promise<RollbackResult> {
    const updated = (await ledger.outcomes(input.rolloutId)).filter((outcome) => outcome.state === 'succeeded');
    return rollbackDevices({ ...input, deviceIds: updated.map((outcome) => outcome.deviceId) });
  }

  /** Rolls back the given devices of this rollout (a batch that fell below its rollback threshold). */
  async function rollbackDevices({ rolloutId, deviceIds: requested, maxConcurrent, maxPollIntervalMs }: RollbackDevicesInput): Promise<RollbackResult> {
    const targets = await ledger.targets(rolloutId);
    const outcomes = new Map((await ledger.outcomes(rolloutId)).map((outcome) => [outcome.deviceId, outcome]));
    const result: RollbackResult = { rolledBack: 0, failed: 0 };
    for (const group of chunks(requested, maxConcurrent)) {
      const commands = group.map((deviceId) => ({
        deviceId,
        idempotencyKey: rollbackKey(rolloutId, deviceId),
        correlationId: rolloutId,
        targetVersion: targets.get(deviceId)?.fromVersion ?? '',
      }));
      await fleet.startRollbacks(commands);
      const deviceIds = commands.map((command) => command.deviceId);
      const finished = await pollUntil(
        () => fleet.latestOperations({ correlationId: rolloutId, deviceIds, kind: 'rollback' }),
        (operations: Operation[]) => operations.every((operation) => isTerminal(operation.state)),
        maxPollIntervalMs,
      );
      const rolledBack = finished.filter((operation) => operation.state === 'succeeded');
      result.rolledBack += rolledBack.length;
      result.failed += finished.length - rolledBack.length;
      await ledger.recordOutcomes(
        rolloutId,
        rolledBack.map(({ deviceId }) => ({
          deviceId,
          stage: outcomes.get(deviceId)?.stage ?? '',
          state: 'rolled_back' as const,
          attempts: outcomes.get(deviceId)?.attempts ?? 0,
        })),
      );
      Context.current().heartbeat(result);
    }
    return result;
  }

  return { rollbackRollout, rollbackDevices };
}
