import { Context } from '@temporalio/activity';
import { chunks } from '../model/chunks';
import { cohortIncrements, deviceIncrement } from '../model/health/readings';
import type { EvidenceIncrement } from '../model/health/sequential';
import { WHOLE_FLEET } from '../model/health/cohortEvidence';
import type { Health } from '../ports/fleetProvider';
import type { HealthReading } from '../ports/ledger';
import type { ActivityDependencies } from './dependencies';
import { readHealth } from './deviceHealth';
import type { HealthTarget } from '../model/deviceChange';

const HEALTH_CHUNK = 100;

export interface CrashEvidenceInput extends HealthTarget {
  rolloutId: string;
  /** Devices read at every poll; a larger rollout is sampled by id down to this many. */
  observedDevices: number;
  /** Cohorts already rolled back and withdrawn: no longer judged. */
  withdrawnCohorts: string[];
}

export interface CrashEvidence {
  /** What each cohort's arms added since the last poll. */
  increments: EvidenceIncrement[];
  /** The rollout's targets per cohort, withdrawn cohorts included. */
  targetsByCohort: Record<string, number>;
}

export function createEvidenceActivities({ fleet, ledger }: ActivityDependencies) {
  /**
   * One health poll of the crash evidence: reads the counters of the observed targets, updated or
   * not, and returns what they grew by since the last poll, per cohort and arm. A retried poll finds
   * the readings its failed attempt saved and adds less, never twice.
   */
  async function observeCrashEvidence({ rolloutId, firmwareVersion, flag, observedDevices, withdrawnCohorts }: CrashEvidenceInput): Promise<CrashEvidence> {
    const targetsByCohort = Object.fromEntries((await ledger.cohortSizes(rolloutId)).map(({ cohort = WHOLE_FLEET, devices }) => [cohort, devices]));
    const withdrawn = new Set(withdrawnCohorts);
    const observed = (await ledger.observedTargets(rolloutId, observedDevices)).filter((target) => !withdrawn.has(target.cohort ?? WHOLE_FLEET));
    const cohortOf = new Map(observed.map((target) => [target.id, target.cohort ?? WHOLE_FLEET]));
    const reports: Health[] = [];
    for (const ids of chunks([...cohortOf.keys()], HEALTH_CHUNK)) {
      reports.push(...(await readHealth(fleet, ids, flag)));
      Context.current().heartbeat(reports.length);
    }
    const answered = reports.filter((report) => report.online);
    const previous = await ledger.readings(rolloutId, answered.map((report) => report.deviceId));
    const increments = answered.flatMap((report) => {
      const increment = deviceIncrement(previous.get(report.deviceId), report, firmwareVersion);
      return increment ? [{ cohort: cohortOf.get(report.deviceId) ?? WHOLE_FLEET, increment }] : [];
    });
    await ledger.saveReadings(rolloutId, answered.map(reading));
    return { increments: cohortIncrements(increments), targetsByCohort };
  }

  return { observeCrashEvidence };
}

const reading = ({ deviceId, firmwareVersion, crashCount, firmwareUptimeSeconds }: Health): HealthReading => ({ deviceId, firmwareVersion, crashCount, firmwareUptimeSeconds });
