import type { DeviceOutcome, DeviceOutcomeState } from '../model/status';
import type { FirmwareQuarantine } from '../model/policy/quarantine';
import type { HandOverResult } from '../model/deviceClaims';

export interface TargetDevice {
  id: string;
  /** The version the device ran when the rollout started: where a rollback returns it to. */
  fromVersion: string;
  /** The index of the plan's maintenance window the device takes; absent when it may be updated any time. */
  window?: number;
  /** The device's value of the plan's `health.cohortBy` attribute (e.g. its hardware revision): the unit health is judged and rolled back by. */
  cohort?: string;
}

/** A device's crash counters at the last health poll: the next poll's evidence is what they grew by since. */
export interface HealthReading {
  deviceId: string;
  firmwareVersion: string;
  crashCount: number;
  firmwareUptimeSeconds: number;
}

/** A device a catch-up round re-checks, with the last of its failed updates the rollout has seen (0 for none). */
export interface CatchUpDevice extends TargetDevice {
  failedGeneration: number;
}

export interface StageTargets {
  stage: string;
  devices: TargetDevice[];
}

/**
 * Device lists live here, outside workflow history: the targets snapshotted when a rollout starts,
 * and the outcome of every device, which feed batches, the report and "who missed it and why".
 */
export interface Ledger {
  /**
   * Stores the snapshot once and claims its devices for the rollout, in one transaction; a second
   * call for the same rollout keeps the first and returns it. Throws `DevicesClaimedError`, storing
   * nothing, when another rollout holds any of the devices.
   */
  saveTargets(rolloutId: string, stages: StageTargets[]): Promise<StageTargets[]>;
  stageDevices(rolloutId: string, stageIndex: number, offset: number, limit: number): Promise<TargetDevice[]>;
  /** Every target of the rollout, by id, with the stage it belongs to. */
  targets(rolloutId: string): Promise<Map<string, TargetDevice & { stage: string }>>;
  /** Stores the devices a catch-up round re-checks, once; a second call for the same round keeps the first and returns it. */
  saveCatchUpRound(rolloutId: string, round: number, devices: CatchUpDevice[]): Promise<CatchUpDevice[]>;
  catchUpRoundDevices(rolloutId: string, round: number, offset: number, limit: number): Promise<CatchUpDevice[]>;
  recordOutcomes(rolloutId: string, outcomes: DeviceOutcome[]): Promise<void>;
  /** The latest outcome per device. */
  outcomes(rolloutId: string): Promise<DeviceOutcome[]>;
  /** The devices of `stage` whose latest outcome is `state`: what a health poll asks, without reading the rest. */
  stageOutcomes(rolloutId: string, stage: string, state: DeviceOutcomeState): Promise<DeviceOutcome[]>;
  /** Takes devices out of the rollout (their cohort was rolled back): no batch sends them an update any more. */
  withdraw(rolloutId: string, deviceIds: string[]): Promise<void>;
  withdrawn(rolloutId: string): Promise<Set<string>>;
  /** Keeps each device's latest reading (one per device and rollout; a later save replaces it). */
  saveReadings(rolloutId: string, readings: HealthReading[]): Promise<void>;
  /** The latest reading of each of `deviceIds` that has one. */
  readings(rolloutId: string, deviceIds: string[]): Promise<Map<string, HealthReading>>;
  /** The rollout that holds each of `deviceIds` that one holds (one rollout per device at a time). */
  claimHolders(deviceIds: string[]): Promise<Map<string, string>>;
  /** Frees every device the rollout holds, once it has ended; the count freed (0 the second time). */
  releaseClaims(rolloutId: string): Promise<number>;
  /** Moves the devices `from` holds (all, or those listed) to `to`, or frees them; `from` withdraws them. */
  handOver(request: { from: string; to?: string | undefined; devices?: string[] | undefined }): Promise<HandOverResult>;
  /** Firmware no rollout may ship again, across all rollouts (or, for a record with a cohort, to that cohort). */
  quarantine(record: FirmwareQuarantine): Promise<void>;
  quarantined(): Promise<FirmwareQuarantine[]>;
}
