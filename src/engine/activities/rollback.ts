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

export interface RollbackInput {
  rolloutId: string;
  maxConcurrent: number;
  maxPollIntervalMs: number;
  /** Its anti-rollback minimum: a device is never sent below it. */
  versionPolicy: VersionPolicy;
}

export type RollbackBatchInput = RollbackInput & BatchSlice;

export interface RollbackCohortInput extends RollbackInput {
  cohort: CohortSelector;
}

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
  async function rollbackDevices({ rolloutId, maxConcurrent, maxPollIntervalMs, versionPolicy }: RollbackInput, deviceIds: string[]): Promise<RollbackResult> {
    const result: RollbackResult = { rolledBack: 0, failed: 0, rolledBackByStage: {} };
    for (const group of chunks(deviceIds, maxConcurrent)) {
      const targets = await ledger.targetsOf(rolloutId, group);
      const updates = await untilEnded(() => fleet.latestOperations({ correlationId: rolloutId, deviceIds: group }), maxPollIntervalMs);
      const succeeded = updates.filter((operation) => operation.state === 'succeeded').map((operation) => operation.deviceId);
      const updated = succeeded.filter((deviceId) => checkRollbackTarget(targets.get(deviceId)?.fromVersion ?? '', versionPolicy).ok);
      result.failed += succeeded.length - updated.length;
      if (updated.length === 0) continue;
      const leased = { requestId: activityLeaseId(rolloutId, updated[0]), rolloutId, priority: ROLLBACK_PRIORITY, operations: updated.length };
      const rollbacks = await whileLeased({ budget }, leased, async () => {
        await fleet.startRollbacks(
          updated.map((deviceId) => ({
            deviceId,
            idempotencyKey: rollbackKey(rolloutId, deviceId),
            correlationId: rolloutId,
            targetVersion: targets.get(deviceId)?.fromVersion ?? '',
          })),
        );
        return untilEnded(() => fleet.latestOperations({ correlationId: rolloutId, deviceIds: updated, kind: 'rollback' }), maxPollIntervalMs);
      });
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

  return { rollbackRollout, rollbackBatch, rollbackCohort };
}

const untilEnded = (read: () => Promise<Operation[]>, maxPollIntervalMs: number): Promise<Operation[]> =>
  pollUntil(read, (operations) => operations.every((operation) => isTerminal(operation.state)), maxPollIntervalMs);

function addResults(a: RollbackResult, b: RollbackResult): RollbackResult {
  const rolledBackByStage = { ...a.rolledBackByStage };
  for (const [stage, devices] of Object.entries(b.rolledBackByStage)) rolledBackByStage[stage] = (rolledBackByStage[stage] ?? 0) + devices;
  return { rolledBack: a.rolledBack + b.rolledBack, failed: a.failed + b.failed, rolledBackByStage };
}
