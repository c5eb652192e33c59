import { Context } from '@temporalio/activity';
import type { StageSize } from '../domain/planMath';
import type { TargetDevice } from '../ledger/ledger';
import type { ActivityDependencies } from './index';

const INVENTORY_PAGE = 1000;

export interface SnapshotInput {
  rolloutId: string;
  firmwareVersion: string;
  /** Requested stage sizes, in plan order. */
  stages: StageSize[];
}

export function createTargetActivities({ fleet, ledger }: ActivityDependencies) {
  /**
   * Snapshots the target set once, when the rollout starts: devices not yet on the firmware, in id
   * order, cut into stages. Returns the actual stage sizes (the fleet may be smaller than the plan).
   */
  async function snapshotTargets({ rolloutId, firmwareVersion, stages }: SnapshotInput): Promise<StageSize[]> {
    const wanted = stages.reduce((total, stage) => total + stage.devices, 0);
    const candidates = await readCandidates(firmwareVersion, wanted);
    let next = 0;
    const saved = await ledger.saveTargets(
      rolloutId,
      stages.map(({ stage, devices }) => {
        const slice = candidates.slice(next, next + devices);
        next += slice.length;
        return { stage, devices: slice };
      }),
    );
    return saved.map((stage) => ({ stage: stage.stage, devices: stage.devices.length }));
  }

  /**
   * Pages through the inventory keeping only what the ledger needs of each candidate, until `wanted`
   * are found; heartbeats every page, as a large fleet takes many pages.
   */
  async function readCandidates(firmwareVersion: string, wanted: number): Promise<TargetDevice[]> {
    const candidates: TargetDevice[] = [];
    let cursor: string | undefined;
    do {
      const page = await fleet.inventory({ limit: INVENTORY_PAGE, ...(cursor ? { cursor } : {}) });
      for (const device of page.devices) {
        if (device.firmwareVersion !== firmwareVersion) candidates.push({ id: device.id, fromVersion: device.firmwareVersion });
      }
      cursor = page.nextCursor;
      Context.current().heartbeat({ candidates: candidates.length });
    } while (cursor && candidates.length < wanted);
    return candidates;
  }

  return { snapshotTargets };
}
