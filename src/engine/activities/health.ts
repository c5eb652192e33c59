import { UNRESPONSIVE_IDS_KEPT, crashExposure, type FleetSample, type StageHealth } from '../model/health/observation';
import type { Health } from '../ports/fleetProvider';
import type { ActivityDependencies } from './dependencies';
import { chunks } from '../model/chunks';
import { whileHeartbeating } from './polling';
import { readHealth } from './deviceHealth';
import type { HealthTarget } from '../model/deviceChange';

const HEALTH_CHUNK = 100;

export interface StageHealthInput extends HealthTarget {
  rolloutId: string;
  stage: string;
  /** A larger stage is read through a stable sample of about this many devices; absent in rollouts started before it existed. */
  observedDevices?: number;
}

/** What a stage poll read before `observedDevices` existed: every device of the stage. */
const WHOLE_STAGE = Number.MAX_SAFE_INTEGER;

export function createHealthActivities({ fleet, ledger }: ActivityDependencies) {
  /** Health of the stage's updated devices, read through its stable sample: rates and counts are of the sample. */
  async function checkStageHealth({ rolloutId, stage, firmwareVersion, flag, observedDevices = WHOLE_STAGE }: StageHealthInput): Promise<StageHealth> {
    // Heartbeats while it reads, so that a poll whose worker died is tried again within the heartbeat timeout, not the poll's whole timeout.
    return whileHeartbeating(async () => {
      const updated = await ledger.observedStageDevices(rolloutId, stage, 'succeeded', observedDevices);
      const reports: Health[] = [];
      for (const ids of chunks(updated, HEALTH_CHUNK)) reports.push(...(await readHealth(fleet, ids, flag)));
      return summarize(reports, firmwareVersion);
    });
  }

  /** Health of up to `limit` targets before any update (of their `flag`'s state, in a flag rollout): the sample for the fleet's own baseline. */
  async function sampleFleetHealth({ rolloutId, limit, flag }: { rolloutId: string; limit: number; flag?: string }): Promise<FleetSample> {
    const ids = (await ledger.observedTargets(rolloutId, limit)).map((target) => target.id);
    const reports: Health[] = [];
    for (const chunk of chunks(ids, HEALTH_CHUNK)) reports.push(...(await readHealth(fleet, chunk, flag)));
    return { devices: reports.length, online: reports.filter((report) => report.online).length, ...crashExposure(reports) };
  }

  return { checkStageHealth, sampleFleetHealth };
}

function summarize(reports: Health[], firmwareVersion: string): StageHealth {
  const exposed = reports.filter((report) => report.firmwareVersion === firmwareVersion);
  const drains = exposed.flatMap((report) => (report.batteryDrainPercentPerHour === null ? [] : [report.batteryDrainPercentPerHour]));
  return {
    updated: reports.length,
    exposed: exposed.length,
    ...crashExposure(exposed),
    reverted: reports.length - exposed.length,
    unresponsive: reports.filter((report) => !report.online).slice(0, UNRESPONSIVE_IDS_KEPT).map((report) => report.deviceId),
    ...(reports.length > 0 ? { connectivityRate: reports.filter((report) => report.online).length / reports.length } : {}),
    ...(drains.length > 0 ? { batteryDrain: drains.reduce((total, drain) => total + drain, 0) / drains.length } : {}),
  };
}
