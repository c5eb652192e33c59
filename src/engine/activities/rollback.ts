import { Context } from '@temporalio/activity';
import { matches, type CohortSelector } from '../model/cohorts';
import { inventoryPages } from './inventoryPages';
import { checkRollbackTarget, type VersionPolicy } from '../model/policy/versionPolicy';
import { isTerminal, type Operation } from '../ports/fleetProvider';
import { batchDevices, type BatchSlice } from './batchDevices';
import type { ActivityDependencies } from './dependencies';
import { chunks } from '../model/chunks';
import { pollUntil } from './polling';
import { activityLeaseId, whileLeased } from './budget';
import type { Priority } from '../model/budget';
import type { TargetDevice } from '../ports/ledger';
import { operationKindOf } from '../model/deviceChange';

/**
 * A firmware rollout's devices go back to the version they ran, never below the version policy's
 * anti-rollback minimum; a flag rollout's get the flag's value back.
 */
export type RollbackInput = RollbackSettings & ({ versionPolicy: VersionPolicy; flag?: undefined } | { flag: string; versionPolicy?: undefined });

interface RollbackSettings {
  rolloutId: string;
  maxConcurrent: number;
  maxPollIntervalMs: number;
}

export type RollbackBatchInput = RollbackInput & BatchSlice;

export type RollbackCohortInput = RollbackInput & { cohort: CohortSelector };

export interface RollbackResult {
  rolledBack: number;
  failed: number;
  /** Devices returned, by the stage they belong to. */
  rolledBackByStage: Record<string, number>;
}

/** Targets a rollout-wide rollback reads at a time: its memory does not grow with the fleet. */
const TARGET_PAGE = 5_000;

/** Rollback operations lease from the fleet budget ahead of any rollout's updates: they return devices to what worked. */
const ROLLBACK_PRIORITY: Priority = 'high';

const rollbackKey = (rolloutId: string, deviceId: string): string => `rollback/${rolloutId}/${deviceId}`;

/** A flag's restores are flag operations too: their own correlation id keeps them apart from the rollout's own. */
const restoreCorrelationId = (rolloutId: string): string => `rollback/${rolloutId}`;

export function createRollbackActivities({ fleet, ledger, budget }: ActivityDependencies) {
  /** Returns every device this rollout updated to the version it ran before. */
  async function rollbackRollout(input: RollbackInput): Promise<RollbackResult> {
    let result: RollbackResult = { rolledBack: 0, failed: 0, rolledBackByStage: {} };
    for await (const page of ledger.targetPages(input.rolloutId, TARGET_PAGE)) {
      result = addResults(result, await rollbackDevices(input, page.map((target) => target.id)));
      Context.current().heartbeat(result);
    }
    return result;
  }

  /** Rolls back a range of one stage's (or catch-up round's) targets: a batch that fell below its rollback threshold, or the whole stage. */
  async function rollbackBatch({ stageIndex, offset, devices, catchUpRound, ...input }: RollbackBatchInput): Promise<RollbackResult> {
    const batch = await batchDevices(ledger, { rolloutId: input.rolloutId, stageIndex, offset, devices, catchUpRound });
    return rollbackDevices(input, batch.map((device) => device.id));
  }

  /**
   * Withdraws the rollout's targets in `cohort` from it, so no batch updates them any more, then rolls
   * back those it updated. Withdrawing first means a batch still running cannot start one of them after
   * the rollback has looked.
   */
  async function rollbackCohort({ cohort, ...input }: RollbackCohortInput): Promise<RollbackResult & { withdrawn: number }> {
    const members: string[] = [];
    for await (const devices of inventoryPages(fleet)) {
      const inCohort = devices.filter((device) => matches(device, cohort)).map((device) => device.id);
      const targets = await ledger.targetsOf(input.rolloutId, inCohort);
      members.push(...inCohort.filter((deviceId) => targets.has(deviceId)));
      Context.current().heartbeat({ members: members.length });
    }
    await ledger.withdraw(input.rolloutId, members);
    return { ...(await rollbackDevices(input, members)), withdrawn: members.length };
  }

  /**
   * Rolls back those of the given devices that this rollout updated, at most `maxConcurrent` at a
   * time. An update still in flight is waited for first, so a device cannot end up on the new
   * version after its rollback. Rollback commands are keyed per device: a retry resends nothing new.
   */
  async function rollbackDevices(input: RollbackInput, deviceIds: string[]): Promise<RollbackResult> {
    const { rolloutId, maxConcurrent, maxPollIntervalMs } = input;
    const result: RollbackResult = { rolledBack: 0, failed: 0, rolledBackByStage: {} };
    for (const group of chunks(deviceIds, maxConcurrent)) {
      const targets = await ledger.targetsOf(rolloutId, group);
      const updates = await untilEnded(() => fleet.latestOperations({ correlationId: rolloutId, deviceIds: group, kind: operationKindOf(input) }), maxPollIntervalMs);
      const succeeded = updates.filter((operation) => operation.state === 'succeeded').map((operation) => operation.deviceId);
      const { versionPolicy } = input;
      const updated = versionPolicy ? succeeded.filter((deviceId) => checkRollbackTarget(targets.get(deviceId)?.fromVersion ?? '', versionPolicy).ok) : succeeded;
      result.failed += succeeded.length - updated.length;
      if (updated.length === 0) continue;
      const leased = { requestId: activityLeaseId(rolloutId, updated[0]), rolloutId, priority: ROLLBACK_PRIORITY, operations: updated.length };
      const rollbacks = await whileLeased({ budget }, leased, () => restore(input, updated, targets));
      const rolledBack = rollbacks.filter((operation) => operation.state === 'succeeded');
      result.rolledBack += rolledBack.length;
      for (const { deviceId } of rolledBack) {
        const stage = targets.get(deviceId)?.stage ?? '';
        result.rolledBackByStage[stage] = (result.rolledBackByStage[stage] ?? 0) + 1;
      }
      result.failed += rollbacks.length - rolledBack.length;
      await ledger.recordOutcomes(
        rolloutId,
        rolledBack.map(({ deviceId }) => ({ deviceId, stage: targets.get(deviceId)?.stage ?? '', state: 'rolled_back' as const, attempts: 0 })),
      );
      Context.current().heartbeat(result);
    }
    return result;
  }

  /** Sends each device back to what it had (its firmware, or its flag's value) and waits until every one of those operations ended. */
  async function restore({ rolloutId, maxPollIntervalMs, flag }: RollbackInput, deviceIds: string[], targets: Map<string, TargetDevice>): Promise<Operation[]> {
    const keyed = (deviceId: string, correlationId: string) => ({ deviceId, idempotencyKey: rollbackKey(rolloutId, deviceId), correlationId });
    if (flag !== undefined) {
      const correlationId = restoreCorrelationId(rolloutId);
      await fleet.setFlags(deviceIds.map((deviceId) => ({ ...keyed(deviceId, correlationId), flag, value: targets.get(deviceId)?.fromFlag ?? false })));
      return untilEnded(() => fleet.latestOperations({ correlationId, deviceIds, kind: 'flag' }), maxPollIntervalMs);
    }
    await fleet.startRollbacks(deviceIds.map((deviceId) => ({ ...keyed(deviceId, rolloutId), targetVersion: targets.get(deviceId)?.fromVersion ?? '' })));
    return untilEnded(() => fleet.latestOperations({ correlationId: rolloutId, deviceIds, kind: 'rollback' }), maxPollIntervalMs);
  }

  return { rollbackRollout, rollbackBatch, rollbackCohort };
}

const untilEnded = (read: () => Promise<Operation[]>, maxPollIntervalMs: number): Promise<Operation[]> =>
  pollUntil(read, (operations) => operations.every((operation) => isTerminal(operation.state)), maxPollIntervalMs);

function addResults(a: RollbackResult, b: RollbackResult): RollbackResult {
  const rolledBackByStage = { ...a.rolledBackByStage };
  for (const [stage, devices] of Object.entries(b.rolledBackByStage)) rolledBackByStage[stage] = (rolledBackByStage[stage] ?? 0) + devices;
  return { rolledBack: a.rolledBack + b.rolledBack, failed: a.failed + b.failed, rolledBackByStage };
}
