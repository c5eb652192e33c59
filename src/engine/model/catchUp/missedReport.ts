import type { MissedGroup, MissedReport } from '../rollout';
import { DeviceOutcomeState, emptyCounts, type DeviceCounts, type DeviceOutcome } from '../status';
import type { StageOutcomeCount } from '../../ports/ledger';
import { isTerminal, type Operation } from '../../ports/fleetProvider';
import { MissReason } from '../policy/quarantine';
import { OFFLINE } from '../preflight';
import { NO_STAGE_REASON } from '../stageAllocation';
import { cannotBeRetried } from './missedTurn';
import { isClaimedByReason } from '../deviceClaims';

/** Devices named per reason in the rollout's result; the ledger (`rollout devices`) holds the rest. */
export const EXAMPLES_PER_REASON = 20;

export interface Miss {
  reason: MissReason;
  detail: string;
}

/** Every outcome but success: the devices a rollout's end reports as missed. */
export const MISSED_STATES = DeviceOutcomeState.options.filter((state) => state !== 'succeeded');

/** Why a device ended the rollout without its firmware, from its latest outcome and update operation; undefined if it has it. */
export function missOf(outcome: DeviceOutcome, latest: Operation | undefined): Miss | undefined {
  const detail = outcome.reason ?? '';
  switch (outcome.state) {
    case 'succeeded':
      return undefined;
    case 'excluded':
      // A target was in a stage: only a cohort rollback excludes it after the snapshot.
      if (outcome.stage) return { reason: 'cohort_withdrawn', detail };
      if (isClaimedByReason(detail)) return { reason: 'claimed_by_rollout', detail };
      return { reason: detail === NO_STAGE_REASON ? 'no_stage' : 'version_policy', detail };
    case 'deferred':
      return outcome.reason === OFFLINE ? { reason: 'offline', detail: 'offline at every check' } : { reason: 'preflight_deferred', detail };
    case 'quarantined':
      return { reason: 'device_quarantined', detail: `${outcome.errorCode ?? 'no error code'} after ${outcome.attempts} failed updates, on ${outcome.currentVersion ?? 'unknown'}` };
    case 'rolled_back':
      return { reason: 'rolled_back', detail: 'rolled back by a batch gate' };
    case 'failed':
      // No operation, or one still going at its timeout: the device never answered.
      if (!latest || !isTerminal(latest.state)) return { reason: 'offline', detail: `unreachable: ${detail}` };
      return { reason: 'update_failed', detail: cannotBeRetried(latest) ? detail : `${detail} (failed at the window's close)` };
  }
}

/** Misses grouped by reason in a fixed order, each with its count and its first devices by name. */
export function groupMisses(misses: readonly ({ deviceId: string } & Miss)[], examplesPerReason = EXAMPLES_PER_REASON): MissedReport {
  const groups: MissedGroup[] = MissReason.options.flatMap((reason) => {
    const matching = misses.filter((miss) => miss.reason === reason);
    if (matching.length === 0) return [];
    return [{ reason, devices: matching.length, examples: matching.slice(0, examplesPerReason).map(({ deviceId, detail }) => ({ deviceId, detail })) }];
  });
  return { total: misses.length, groups };
}

/**
 * Each stage's devices by their latest outcome, so a device tried again in the catch-up phase counts
 * once, where it ended; a quarantined device counts as failed. The counts add up to the stage's size.
 */
export function countsByStage(counts: readonly StageOutcomeCount[], stages: readonly string[]): DeviceCounts[] {
  const byStage = stages.map(() => emptyCounts());
  for (const { stageIndex, state, devices } of counts) {
    const stageCounts = byStage[stageIndex];
    if (stageCounts) stageCounts[state === undefined ? 'pending' : state === 'quarantined' ? 'failed' : state] += devices;
  }
  return byStage;
}
