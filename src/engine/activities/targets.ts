import { ApplicationFailure, Context } from '@temporalio/activity';
import { FailureType } from '../model/failures';
import type { DeviceOutcome } from '../model/status';
import { checkRolloutVersions, deviceEligibility, type DeviceEligibility, type VersionPolicy } from '../model/policy/versionPolicy';
import type { FlagSetting } from '../model/flagPlan';
import { windowIndexFor, type CohortWindow } from '../model/maintenanceWindow';
import { inventoryPages } from './inventoryPages';
import type { TargetDevice } from '../ports/ledger';
import { flagValue, type Device } from '../ports/fleetProvider';
import { flagEligibility } from '../model/deviceChange';
import type { StageSize } from '../model/planMath';
import { NO_STAGE_REASON, StageAllocator } from '../model/stageAllocation';
import type { Plan } from '../model/plan';
import type { ActivityDependencies } from './dependencies';
import { cohortOf, type CohortAttribute } from '../model/health/cohortEvidence';
import { claimedByReason, countByHolder, type ClaimedElsewhere } from '../model/deviceClaims';
import { cohortQuarantines, type FirmwareQuarantine } from '../model/policy/quarantine';

/** A firmware rollout's targets are the devices its version policy admits; a flag rollout's, those whose flag has another value. */
export type SnapshotInput = SnapshotSettings & ({ firmwareVersion: string; versionPolicy: VersionPolicy; flag?: undefined } | { flag: FlagSetting; firmwareVersion?: undefined; versionPolicy?: undefined });

interface SnapshotSettings {
  rolloutId: string;
  stages: Plan['stages'];
  maintenanceWindows: CohortWindow[];
  cohortBy: CohortAttribute;
}

export function createTargetActivities({ fleet, ledger, fleetApiVersion }: ActivityDependencies) {
  /**
   * Snapshots the target set once, when the rollout starts: devices not yet on the firmware and held
   * by no other rollout, placed in stages by count, cumulative percent or cohort, and claimed for this
   * rollout. Returns the actual stage sizes (the fleet may be smaller than the plan) and the devices
   * other rollouts hold, and reports the eligible devices no stage takes.
   */
  async function snapshotClaimedTargets(input: SnapshotInput): Promise<ClaimedSnapshot> {
    const { rolloutId, stages, maintenanceWindows, cohortBy } = input;
    const candidates: Candidates = { rolloutId, windows: maintenanceWindows, cohortBy, ...(await changeOf(input)) };
    const { allocation, exclusions, holders } = await readCandidates(candidates, new StageAllocator<TargetDevice>({ stages }));
    await ledger.recordOutcomes(rolloutId, [...exclusions, ...allocation.uncovered.map(uncovered)]);
    const saved = await ledger.saveTargets(
      rolloutId,
      stages.map((stage, index) => ({ stage: stage.name, devices: allocation.stages[index]! })),
    );
    return { stages: saved.map((stage) => ({ stage: stage.stage, devices: stage.devices.length })), claimedElsewhere: countByHolder(holders) };
  }

  /** The snapshot as rollouts started before device claims read it: the stage sizes alone. */
  async function snapshotTargets(input: SnapshotInput): Promise<StageSize[]> {
    return (await snapshotClaimedTargets(input)).stages;
  }

  /** Who the change is for and what a target's rollback returns it to; a firmware's versions and quarantines are checked first. */
  async function changeOf(input: SnapshotInput): Promise<Pick<Candidates, 'eligibility' | 'quarantinedCohorts' | 'describe'>> {
    const { flag } = input;
    if (flag) {
      return {
        eligibility: (device) => flagEligibility(device, flag),
        quarantinedCohorts: new Map(),
        describe: (device) => ({ fromFlag: flagValue(device.flags, flag.name) }),
      };
    }
    const { firmwareVersion, versionPolicy, cohortBy } = input;
    assertPlanVersions(firmwareVersion, versionPolicy);
    return {
      eligibility: (device) => deviceEligibility(device, firmwareVersion, versionPolicy),
      quarantinedCohorts: cohortQuarantines(firmwareVersion, cohortBy, await ledger.quarantined()),
      describe: () => ({}),
    };
  }

  /** The compatibility matrix and anti-rollback rule, checked before anything starts. */
  function assertPlanVersions(targetVersion: string, versionPolicy: VersionPolicy): void {
    const check = checkRolloutVersions({ targetVersion, ...(fleetApiVersion ? { serverApiVersion: fleetApiVersion } : {}) }, versionPolicy);
    if (!check.ok) throw ApplicationFailure.nonRetryable(`the plan's versions are refused: ${check.problems.join('; ')}`, FailureType.InvalidPlan);
  }

  /**
   * Pages through the inventory, keeping only what the ledger needs of each eligible device (its
   * maintenance window, as batches never see the device's attributes), until the allocator has enough
   * (count stages) or the fleet ends (percent and cohort stages); heartbeats every page, as a large
   * fleet takes many pages.
   */
  async function readCandidates({ rolloutId, eligibility, describe, windows, cohortBy, quarantinedCohorts }: Candidates, allocator: StageAllocator<TargetDevice>) {
    const exclusions: DeviceOutcome[] = [];
    const holders: string[] = [];
    let candidates = 0;
    for await (const devices of inventoryPages(fleet)) {
      const claimed = await ledger.claimHolders(devices.map((device) => device.id));
      for (const device of devices) {
        const verdict = eligibility(device);
        const cohort = cohortOf(device.attributes, cohortBy);
        const quarantine = quarantinedCohorts.get(cohort);
        const holder = claimed.get(device.id);
        if (verdict.eligible && quarantine) exclusions.push(excluded(device.id, `firmware ${quarantine.version} is quarantined for ${cohortBy} ${cohort}: ${quarantine.reason}`));
        else if (verdict.eligible && holder !== undefined && holder !== rolloutId) {
          exclusions.push(excluded(device.id, claimedByReason(holder)));
          holders.push(holder);
        } else if (verdict.eligible) {
          allocator.add(device, { ...target(device, windows), ...describe(device), cohort });
          candidates += 1;
        } else if (verdict.reason !== 'already_on_target') exclusions.push(excluded(verdict.deviceId, verdict.message));
      }
      Context.current().heartbeat({ candidates });
      if (allocator.hasEnough) break;
    }
    return { allocation: allocator.allocate(), exclusions, holders };
  }

  return { snapshotTargets, snapshotClaimedTargets };
}

/** The stage sizes, and the eligible devices left out because other rollouts hold them. */
export interface ClaimedSnapshot {
  stages: StageSize[];
  claimedElsewhere: ClaimedElsewhere[];
}

interface Candidates {
  rolloutId: string;
  /** Whether the change is for the device: a firmware's version policy, or a flag's other value. */
  eligibility: (device: Device) => DeviceEligibility;
  /** What a target records of itself beyond its firmware: a flag rollout, the flag's value before. */
  describe: (device: Device) => Pick<TargetDevice, 'fromFlag'>;
  windows: CohortWindow[];
  cohortBy: CohortAttribute;
  /** Cohorts this firmware is quarantined for, with the record (none for a flag). */
  quarantinedCohorts: Map<string, FirmwareQuarantine>;
}

function target(device: Device, windows: CohortWindow[]): TargetDevice {
  const window = windowIndexFor(device, windows);
  return { id: device.id, fromVersion: device.firmwareVersion, ...(window === undefined ? {} : { window }) };
}

/** A device kept out of the rollout, with the reason for the report. */
const excluded = (deviceId: string, reason: string): DeviceOutcome => ({ deviceId, stage: '', state: 'excluded', attempts: 0, reason });

const uncovered = ({ id }: TargetDevice): DeviceOutcome => excluded(id, NO_STAGE_REASON);
