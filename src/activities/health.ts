import { UNRESPONSIVE_IDS_KEPT, type StageHealth } from '../domain/health/observation';
import type { Health } from '../fleet/provider';
import type { ActivityDependencies } from './index';
import { chunks } from '../lib/chunks';

const HEALTH_CHUNK = 100;

export interface StageHealthInput {
  rolloutId: string;
  stage: string;
  firmwareVersion: string;
}

export function createHealthActivities({ fleet, ledger }: ActivityDependencies) {
  async function checkStageHealth({ rolloutId, stage, firmwareVersion }: StageHealthInput): Promise<StageHealth> {
    const updated = (await ledger.outcomes(rolloutId))
      .filter((outcome) => outcome.state === 'succeeded' && outcome.stage === stage)
      .map((outcome) => outcome.deviceId);
    const reports: Health[] = [];
    for (const ids of chunks(updated, HEALTH_CHUNK)) reports.push(...(await fleet.health(ids)));
    return summarize(reports, firmwareVersion);
  }

  return { checkStageHealth };
}

function summarize(reports: Health[], firmwareVersion: string): StageHealth {
  const exposed = reports.filter((report) => report.firmwareVersion === firmwareVersion);
  const drains = exposed.flatMap((report) => (report.batteryDrainPercentPerHour === null ? [] : [report.batteryDrainPercentPerHour]));
  return {
    updated: reports.length,
    exposed: exposed.length,
    crashes: exposed.reduce((total, report) => total + report.crashCount, 0),
    reverted: reports.length - exposed.length,
    unresponsive: reports.filter((report) => !report.online).slice(0, UNRESPONSIVE_IDS_KEPT).map((report) => report.deviceId),
    ...(reports.length > 0 ? { connectivityRate: reports.filter((report) => report.online).length / reports.length } : {}),
    ...(drains.length > 0 ? { batteryDrain: drains.reduce((total, drain) => total + drain, 0) / drains.length } : {}),
  };
}
