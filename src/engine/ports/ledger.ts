import type { DeviceOutcome, DeviceOutcomeState } from '../model/status';
import type { FirmwareQuarantine } from '../model/policy/quarantine';
import type { HandOverResult } from '../model/deviceClaims';

export interface TargetDevice {
  id: string;
  /** The version the device ran when the rollout started: where a rollback returns it to. */
  fromVersion: string;
  /** In a flag rollout: the flag's value when the rollout started (absent from the device = off), where a rollback returns it. */
  fromFlag?: boolean;
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

export interface CohortSize {
  /** Absent for targets snapshotted without a cohort. */
  cohort?: string;
  devices: number;
}

export interface TargetOutcome {
  target: TargetDevice;
  outcome: DeviceOutcome;
}

export interface StageOutcomeCount {
  stageIndex: number;
  /** Absent for targets with no outcome yet. */
  state?: DeviceOutcomeState;
  devices: number;
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
  /** Every target of the rollout in stage and batch order, `pageSize` at a time (keyset paging: no page costs more than the first). */
  targetPages(rolloutId: string, pageSize: number): AsyncIterable<TargetDevice[]>;
  /** Those of `deviceIds` that are targets of the rollout, by id, with their stage. */
  targetsOf(rolloutId: string, deviceIds: readonly string[]): Promise<Map<string, TargetDevice & { stage: string }>>;
  /** Stores the devices a catch-up round re-checks, once; a second call for the same round keeps the first and returns it. */
  saveCatchUpRound(rolloutId: string, round: number, devices: CatchUpDevice[]): Promise<CatchUpDevice[]>;
  catchUpRoundDevices(rolloutId: string, round: number, offset: number, limit: number): Promise<CatchUpDevice[]>;
  recordOutcomes(rolloutId: string, outcomes: DeviceOutcome[]): Promise<void>;
  /** The latest outcome per device (only those in `states` when given), in the order devices first got one. */
  outcomes(rolloutId: string, states?: readonly DeviceOutcomeState[]): Promise<DeviceOutcome[]>;
  /** The rollout's targets whose latest outcome is one of `states`, each with that outcome. */
  targetsInStates(rolloutId: string, states: readonly DeviceOutcomeState[]): Promise<TargetOutcome[]>;
  /** Each stage's targets counted by their latest outcome: what a tally needs without reading every device. */
  stageOutcomeCounts(rolloutId: string): Promise<StageOutcomeCount[]>;
  /**
   * About `limit` of the rollout's targets, the same ones at every call and on every worker (a stable
   * sample by device id); every target when the rollout has no more. What a health poll reads, so
   * that its cost does not grow with the fleet.
   */
  observedTargets(rolloutId: string, limit: number): Promise<TargetDevice[]>;
  /** Of `stage`'s stable sample of about `limit` targets, the ids of those whose latest outcome is `state`, in the order they got one. */
  observedStageDevices(rolloutId: string, stage: string, state: DeviceOutcomeState, limit: number): Promise<string[]>;
  /** The rollout's targets per cohort (withdrawn ones too), as its snapshot counted them. */
  cohortSizes(rolloutId: string): Promise<CohortSize[]>;
  /** Takes devices out of the rollout (their cohort was rolled back): no batch sends them an update any more. */
  withdraw(rolloutId: string, deviceIds: string[]): Promise<void>;
  /** Which of `deviceIds` were withdrawn: a batch asks about its own devices, not the rollout's every withdrawal. */
  withdrawn(rolloutId: string, deviceIds: readonly string[]): Promise<Set<string>>;
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
