import { Context } from '@temporalio/activity';
import type { MissedReport } from '../model/rollout';
import type { DeviceCounts, DeviceOutcome } from '../model/status';
import { countsByStage, groupMisses, missOf } from '../model/catchUp/missedReport';
import { catchUpVerdict, failedUpdates, quarantinedOutcome } from '../model/catchUp/missedTurn';
import type { Operation } from '../ports/fleetProvider';
import { chunks } from '../model/chunks';
import type { ActivityDependencies } from './dependencies';

/** The HTTP fleet's id-list chunk. */
const FLEET_CHUNK = 100;

export interface CatchUpRoundInput {
  rolloutId: string;
  round: number;
  quarantineAfterAttempts: number;
}

export interface MissedTallyInput {
  rolloutId: string;
  quarantineAfterAttempts: number;
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
  async function selectCatchUpRound({ rolloutId, round, quarantineAfterAttempts }: CatchUpRoundInput): Promise<number> {
    const { recheck, latest } = await reviewMissed(rolloutId, quarantineAfterAttempts);
    const targets = await ledger.targets(rolloutId);
    const saved = await ledger.saveCatchUpRound(
      rolloutId,
      round,
      // Its failed updates were recorded as its outcome: the round's first attempt sends the next generation.
      // The target keeps its maintenance window: a round issues commands only inside it too.
      recheck.map((deviceId) => {
        const { stage: _stage, ...target } = targets.get(deviceId)!;
        return { ...target, failedGeneration: failedUpdates(latest.get(deviceId)) };
      }),
    );
    return saved.length;
  }

  /** After the catch-up phase: quarantines whoever its last round used up, then tallies each stage and who missed the rollout and why. */
  async function tallyMissed({ rolloutId, quarantineAfterAttempts, stages }: MissedTallyInput): Promise<MissedTally> {
    await reviewMissed(rolloutId, quarantineAfterAttempts);
    const targets = await ledger.targets(rolloutId);
    const outcomes = await ledger.outcomes(rolloutId);
    const latest = await latestUpdates(rolloutId, outcomes.filter((outcome) => outcome.state === 'failed'));
    const misses = outcomes
      .flatMap((outcome) => {
        const miss = missOf(outcome, latest.get(outcome.deviceId));
        return miss ? [{ deviceId: outcome.deviceId, ...miss }] : [];
      })
      .sort((a, b) => a.deviceId.localeCompare(b.deviceId));
    const stageOf = new Map([...targets].map(([deviceId, target]) => [deviceId, target.stage]));
    return { stageCounts: countsByStage(stageOf, outcomes, stages), missed: groupMisses(misses) };
  }

  /** Records the quarantine of each device that used up its failed updates; returns the devices to re-check and the latest updates it read. */
  async function reviewMissed(rolloutId: string, quarantineAfterAttempts: number): Promise<{ recheck: string[]; latest: Map<string, Operation> }> {
    const targets = await ledger.targets(rolloutId);
    const candidates = (await ledger.outcomes(rolloutId)).filter((outcome) => targets.has(outcome.deviceId) && (outcome.state === 'deferred' || outcome.state === 'failed'));
    const latest = await latestUpdates(rolloutId, candidates);
    const verdicts = candidates.map((outcome) => ({ outcome, verdict: catchUpVerdict(outcome, latest.get(outcome.deviceId), quarantineAfterAttempts) }));
    const spent = verdicts.filter(({ verdict }) => verdict === 'quarantine').map(({ outcome }) => outcome);
    const versions = await currentVersions(spent.map((outcome) => outcome.deviceId));
    await ledger.recordOutcomes(
      rolloutId,
      spent.map((outcome) => quarantinedOutcome(outcome, latest.get(outcome.deviceId), versions.get(outcome.deviceId) ?? 'unknown')),
    );
    return { recheck: verdicts.filter(({ verdict }) => verdict === 'recheck').map(({ outcome }) => outcome.deviceId), latest };
  }

  async function latestUpdates(rolloutId: string, outcomes: DeviceOutcome[]): Promise<Map<string, Operation>> {
    const latest = new Map<string, Operation>();
    for (const deviceIds of chunks(outcomes.map((outcome) => outcome.deviceId), FLEET_CHUNK)) {
      for (const operation of await fleet.latestOperations({ correlationId: rolloutId, deviceIds })) latest.set(operation.deviceId, operation);
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
