import type { Device } from '../fleet/provider';
import type { StageSize } from '../domain/planMath';
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
    const candidates = (await readInventory()).filter((device) => device.firmwareVersion !== firmwareVersion);
    let next = 0;
    const saved = await ledger.saveTargets(
      rolloutId,
      stages.map(({ stage, devices }) => {
        const slice = candidates.slice(next, next + devices);
        next += slice.length;
        return { stage, devices: slice.map((device) => ({ id: device.id, fromVersion: device.firmwareVersion })) };
      }),
    );
    return saved.map((stage) => ({ stage: stage.stage, devices: stage.devices.length }));
  }

  async function readInventory(): Promise<Device[]> {
    const devices: Device[] = [];
    let cursor: string | undefined;
    do {
      const page = await fleet.inventory({ limit: INVENTORY_PAGE, ...(cursor ? { cursor } : {}) });
      devices.push(...page.devices);
      cursor = page.nextCursor;
    } while (cursor);
    return devices;
  }

  return { snapshotTargets };
}
