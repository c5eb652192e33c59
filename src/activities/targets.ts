import { ApplicationFailure, Context } from '@temporalio/activity';
import { FailureType } from '../contracts/failures';
import type { DeviceOutcome } from '../contracts/status';
import { checkRolloutVersions, deviceEligibility, type DeviceEligibility, type VersionPolicy } from '../domain/policy/versionPolicy';
import { windowIndexFor, type CohortWindow } from '../domain/maintenanceWindow';
import type { TargetDevice } from '../ledger/ledger';
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
  maintenanceWindows: CohortWindow[];
}

export function createTargetActivities({ fleet, ledger, fleetApiVersion }: ActivityDependencies) {
  /**
   * Snapshots the target set once, when the rollout starts: devices not yet on the firmware, in id
   * order, cut into stages. Returns the actual stage sizes (the fleet may be smaller than the plan).
   */
  async function snapshotTargets({ rolloutId, firmwareVersion, stages, versionPolicy, maintenanceWindows }: SnapshotInput): Promise<StageSize[]> {
    assertPlanVersions(firmwareVersion, versionPolicy);
    const wanted = stages.reduce((total, stage) => total + stage.devices, 0);
    const { candidates, exclusions } = await readCandidates(firmwareVersion, versionPolicy, maintenanceWindows, wanted);
    await ledger.recordOutcomes(rolloutId, exclusions);
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

  /** The compatibility matrix and anti-rollback rule, checked before anything starts. */
  function assertPlanVersions(targetVersion: string, versionPolicy: VersionPolicy): void {
    const check = checkRolloutVersions({ targetVersion, ...(fleetApiVersion ? { serverApiVersion: fleetApiVersion } : {}) }, versionPolicy);
    if (!check.ok) throw ApplicationFailure.nonRetryable(`the plan's versions are refused: ${check.problems.join('; ')}`, FailureType.InvalidPlan);
  }

  /**
   * Pages through the inventory, keeping only what the ledger needs of each eligible device (its
   * maintenance window, as batches never see the device's attributes), until `wanted` are found;
   * heartbeats every page, as a large fleet takes many pages.
   */
  async function readCandidates(firmwareVersion: string, versionPolicy: VersionPolicy, windows: CohortWindow[], wanted: number) {
    const candidates: TargetDevice[] = [];
    const exclusions: DeviceOutcome[] = [];
    let cursor: string | undefined;
    do {
      const page = await fleet.inventory({ limit: INVENTORY_PAGE, ...(cursor ? { cursor } : {}) });
      for (const device of page.devices) {
        const verdict = deviceEligibility(device, firmwareVersion, versionPolicy);
        if (verdict.eligible) candidates.push(target(device, windows));
        else if (verdict.reason !== 'already_on_target') exclusions.push(excluded(verdict));
      }
      cursor = page.nextCursor;
      Context.current().heartbeat({ candidates: candidates.length });
    } while (cursor && candidates.length < wanted);
    return { candidates, exclusions };
  }

  return { snapshotTargets };
}

function target(device: Device, windows: CohortWindow[]): TargetDevice {
  const window = windowIndexFor(device, windows);
  return { id: device.id, fromVersion: device.firmwareVersion, ...(window === undefined ? {} : { window }) };
}

/** A device the version policy keeps out of the rollout, with the reason for the report. */
const excluded = (verdict: Extract<DeviceEligibility, { eligible: false }>): DeviceOutcome => ({
  deviceId: verdict.deviceId,
  stage: '',
  state: 'excluded',
  attempts: 0,
  reason: verdict.message,
});
