import { Context } from '@temporalio/activity';
import type { ActivityDependencies } from './index';
import { chunks } from '../domain/chunks';

const HEALTH_CHUNK = 100;

export interface StageHealthInput {
  rolloutId: string;
  stageIndex: number;
  devices: number;
  firmwareVersion: string;
}

/** One health poll of a stage, summed: small enough to keep in workflow history. */
export interface StageHealth {
  checked: number;
  online: number;
  onTargetVersion: number;
  crashes: number;
}

export function createHealthActivities({ fleet, ledger }: ActivityDependencies) {
  async function checkStageHealth({ rolloutId, stageIndex, devices, firmwareVersion }: StageHealthInput): Promise<StageHealth> {
    const targets = await ledger.stageDevices(rolloutId, stageIndex, 0, devices);
    const summary: StageHealth = { checked: 0, online: 0, onTargetVersion: 0, crashes: 0 };
    for (const ids of chunks(targets.map((target) => target.id), HEALTH_CHUNK)) {
      for (const health of await fleet.health(ids)) {
        summary.checked += 1;
        summary.online += health.online ? 1 : 0;
        summary.onTargetVersion += health.firmwareVersion === firmwareVersion ? 1 : 0;
        summary.crashes += health.crashCount;
      }
      // A large stage takes many fleet calls; the heartbeat keeps a slow but live poll from timing out.
      Context.current().heartbeat(summary.checked);
    }
    return summary;
  }

  return { checkStageHealth };
}
