import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../contracts/failures';
import type { DeviceOutcome } from '../contracts/status';
import { checkRolloutVersions, deviceEligibility, type DeviceEligibility, type VersionPolicy } from '../domain/policy/versionPolicy';
import type { Device } from '../fleet/provider';
import type { StageSize } from '../domain/planMath';
import type { ActivityDependencies } from './index';

const INVENTORY_PAGE = 1000;

export interface SnapshotInput {
  rolloutId: string;
  firmwareVersion: string;
  /** Requested stage sizes, in plan order. */
  stages: StageSize[];
  versionPolicy: VersionPolicy;
}

export function createTargetActivities({ fleet, ledger, fleetApiVersion }: ActivityDependencies) {
  /**
   * Snapshots the target set once, when the rollout starts: devices not yet on the firmware, in id
   * order, cut into stages. Returns the actual stage sizes (the fleet may be smaller than the plan).
   */
  async function snapshotTargets({ rolloutId, firmwareVersion, stages, versionPolicy }: SnapshotInput): Promise<StageSize[]> {
    assertPlanVersions(firmwareVersion, versionPolicy);
    const inventory = await readInventory();
    const verdicts = inventory.map((device) => deviceEligibility(device, firmwareVersion, versionPolicy));
    const candidates = inventory.filter((_, index) => verdicts[index]!.eligible);
    await ledger.recordOutcomes(rolloutId, verdicts.flatMap((verdict) => (verdict.eligible || verdict.reason === 'already_on_target' ? [] : [excluded(verdict)])));
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

  /** The compatibility matrix and anti-rollback rule, checked before anything starts. */
  function assertPlanVersions(targetVersion: string, versionPolicy: VersionPolicy): void {
    const check = checkRolloutVersions({ targetVersion, ...(fleetApiVersion ? { serverApiVersion: fleetApiVersion } : {}) }, versionPolicy);
    if (!check.ok) throw ApplicationFailure.nonRetryable(`the plan's versions are refused: ${check.problems.join('; ')}`, FailureType.InvalidPlan);
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

/** A device the version policy keeps out of the rollout, with the reason for the report. */
const excluded = (verdict: Extract<DeviceEligibility, { eligible: false }>): DeviceOutcome => ({
  deviceId: verdict.deviceId,
  stage: '',
  state: 'excluded',
  attempts: 0,
  reason: verdict.message,
});
