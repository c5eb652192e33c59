import { Context } from '@temporalio/activity';
import type { MissedReport } from '../model/rollout';
import type { DeviceCounts, DeviceOutcome } from '../model/status';
import { MISSED_STATES, countsByStage, groupMisses, missOf } from '../model/catchUp/missedReport';
import type { TargetDevice } from '../ports/ledger';
import { catchUpVerdict, failedUpdates, quarantinedOutcome } from '../model/catchUp/missedTurn';
import type { Operation, OperationKind } from '../ports/fleetProvider';

/** A rollout's own device operations: its updates, or a flag rollout's flag operations. */
interface RolloutOperations {
  correlationId: string;
  kind: OperationKind | undefined;
}
import { chunks } from '../model/chunks';
import type { ActivityDependencies } from './dependencies';

/** The HTTP fleet's id-list chunk. */
const FLEET_CHUNK = 100;

export interface CatchUpRoundInput {
  rolloutId: string;
  round: number;
  quarantineAfterAttempts: number;
  /** The kind of the rollout's device operations; absent from rollouts started before flag rollouts: `update`. */
  operationKind?: OperationKind;
}

export interface MissedTallyInput {
  rolloutId: string;
  quarantineAfterAttempts: number;
  /** As in `CatchUpRoundInput`. */
  operationKind?: OperationKind;
  /** The plan's stage names, in order. */
  stages: string[];
}

export interface MissedTally {
  /** Per stage, in plan order: its devices by their latest outcome. */
  stageCounts: DeviceCounts[];
  missed: MissedReport;
}

export function createCatchUpActivities({ fleet, ledger }: ActivityDependencies) {
  /**
   * Quarantines the devices that used up their failed updates, and saves the devices that missed
   * their turn as round `round`'s list in the ledger; returns how many it holds. A retry returns the
   * list saved first.
   */
  async function selectCatchUpRound({ rolloutId, round, quarantineAfterAttempts, operationKind }: CatchUpRoundInput): Promise<number> {
    const { recheck, latest } = await reviewMissed({ correlationId: rolloutId, kind: operationKind }, quarantineAfterAttempts);
    const saved = await ledger.saveCatchUpRound(
      rolloutId,
      round,
      // Its failed updates were recorded as its outcome: the round's first attempt sends the next generation.
      // The target keeps its maintenance window: a round issues commands only inside it too.
      recheck.map((target) => ({ ...target, failedGeneration: failedUpdates(latest.get(target.id)) })),
    );
    return saved.length;
  }

  /** After the catch-up phase: quarantines whoever its last round used up, then tallies each stage and who missed the rollout and why. */
  async function tallyMissed({ rolloutId, quarantineAfterAttempts, stages, operationKind }: MissedTallyInput): Promise<MissedTally> {
    const operations: RolloutOperations = { correlationId: rolloutId, kind: operationKind };
    await reviewMissed(operations, quarantineAfterAttempts);
    const missed = await ledger.outcomes(rolloutId, MISSED_STATES);
    const latest = await latestUpdates(operations, missed.filter((outcome) => outcome.state === 'failed'));
    const misses = missed
      .flatMap((outcome) => {
        const miss = missOf(outcome, latest.get(outcome.deviceId));
        return miss ? [{ deviceId: outcome.deviceId, ...miss }] : [];
      })
      .sort((a, b) => a.deviceId.localeCompare(b.deviceId));
    return { stageCounts: countsByStage(await ledger.stageOutcomeCounts(rolloutId), stages), missed: groupMisses(misses) };
  }

  /** Records the quarantine of each device that used up its failed updates; returns the targets to re-check and the latest updates it read. */
  async function reviewMissed(operations: RolloutOperations, quarantineAfterAttempts: number): Promise<{ recheck: TargetDevice[]; latest: Map<string, Operation> }> {
    const rolloutId = operations.correlationId;
    const candidates = await ledger.targetsInStates(rolloutId, ['deferred', 'failed']);
    const latest = await latestUpdates(operations, candidates.map(({ outcome }) => outcome));
    const verdicts = candidates.map((candidate) => ({ ...candidate, verdict: catchUpVerdict(candidate.outcome, latest.get(candidate.outcome.deviceId), quarantineAfterAttempts) }));
    const spent = verdicts.filter(({ verdict }) => verdict === 'quarantine').map(({ outcome }) => outcome);
    const versions = await currentVersions(spent.map((outcome) => outcome.deviceId));
    await ledger.recordOutcomes(
      rolloutId,
      spent.map((outcome) => quarantinedOutcome(outcome, latest.get(outcome.deviceId), versions.get(outcome.deviceId) ?? 'unknown')),
    );
    return { recheck: verdicts.filter(({ verdict }) => verdict === 'recheck').map(({ target }) => target), latest };
  }

  async function latestUpdates({ correlationId, kind = 'update' }: RolloutOperations, outcomes: DeviceOutcome[]): Promise<Map<string, Operation>> {
    const latest = new Map<string, Operation>();
    for (const deviceIds of chunks(outcomes.map((outcome) => outcome.deviceId), FLEET_CHUNK)) {
      for (const operation of await fleet.latestOperations({ correlationId, deviceIds, kind })) latest.set(operation.deviceId, operation);
      Context.current().heartbeat(latest.size);
    }
    return latest;
  }

  async function currentVersions(deviceIds: string[]): Promise<Map<string, string>> {
    const versions = new Map<string, string>();
    for (const ids of chunks(deviceIds, FLEET_CHUNK)) {
      for (const health of await fleet.health(ids)) versions.set(health.deviceId, health.firmwareVersion);
    }
    return versions;
  }

  return { selectCatchUpRound, tallyMissed };
}
