import type { HealthBaseline, HealthObservation } from './triggers';

/** One health poll of a stage's updated devices, summed; optional fields are absent when nothing measured them. */
export interface StageHealth {
  /** Devices this stage updated successfully. */
  updated: number;
  /** Of those, still on the new firmware. */
  exposed: number;
  /** The exposed devices' crashes and device-hours on the new firmware, each counted from the device's own update. */
  crashes: number;
  firmwareHours: number;
  /** Updated devices that went back to an older image by themselves (device-side rollback). */
  reverted: number;
  /** Updated devices that do not answer now (at most `UNRESPONSIVE_IDS_KEPT` of them, by id). */
  unresponsive: string[];
  connectivityRate?: number;
  batteryDrain?: number;
}

export const UNRESPONSIVE_IDS_KEPT = 200;

/**
 * Devices silent at this poll and the one before: a gateway that misses one check-in (a flaky link,
 * a reboot) is normal in the field and must not roll a fleet back.
 */
export const stillUnresponsive = (previous: readonly string[], current: readonly string[]): string[] =>
  current.filter((deviceId) => previous.includes(deviceId));

/** A stage's health poll as the pause triggers read it; `unresponsive` are the devices silent for two polls in a row. */
export function toObservation(health: StageHealth, unresponsive: readonly string[]): HealthObservation {
  return {
    exposedDevices: health.exposed,
    exposureHours: health.exposed > 0 ? health.firmwareHours / health.exposed : 0,
    crashes: health.crashes,
    rollbacks: health.reverted,
    unresponsiveDevices: unresponsive.length,
    ...(health.connectivityRate === undefined ? {} : { connectivityRate: health.connectivityRate }),
    ...(health.batteryDrain === undefined ? {} : { batteryDrain: health.batteryDrain }),
  };
}

/** What an operator reads in a pause decision: each trigger with its measurement and threshold. */
export function describeTriggers(triggers: readonly { metric: string; measured: number; threshold: number }[], missing: readonly string[]): string {
  const fired = triggers.map(({ metric, measured, threshold }) => `${metric} ${round(measured)} > ${round(threshold)}`);
  const absent = missing.length > 0 ? [`no data for ${missing.join(', ')}`] : [];
  return [...fired, ...absent].join('; ') || 'healthy';
}

const round = (value: number): number => Math.round(value * 1000) / 1000;

/** What a device reports about the firmware it runs now, counted from when it activated that firmware. */
export interface FirmwareCrashReport {
  crashCount: number;
  firmwareUptimeSeconds: number;
}

export interface CrashExposure {
  crashes: number;
  /** Device-hours on the firmware each device runs now. */
  firmwareHours: number;
}

/**
 * Crashes and device-hours summed over devices, by the one definition the baseline and every stage share:
 * each device counts from its own activation of the firmware it runs, so crashes per device-hour compare
 * the old firmware with the new one, whenever each device was updated.
 */
export function crashExposure(reports: readonly FirmwareCrashReport[]): CrashExposure {
  return {
    crashes: reports.reduce((total, report) => total + report.crashCount, 0),
    firmwareHours: reports.reduce((total, report) => total + report.firmwareUptimeSeconds / 3600, 0),
  };
}

/** The targets' health on their current firmware, before the rollout touches them. */
export interface FleetSample extends CrashExposure {
  devices: number;
  online: number;
}

const MIN_SAMPLE_DEVICES = 20;
const MIN_SAMPLE_CRASHES = 3;

/**
 * The fleet's own baseline where the sample can tell it, the plan's otherwise: a baseline taken from
 * another fleet halts a healthy rollout (or misses a bad one) by the ratio between the two fleets.
 */
export function measuredBaseline(sample: FleetSample, fallback: HealthBaseline): HealthBaseline {
  if (sample.devices < MIN_SAMPLE_DEVICES) return fallback;
  const crashRate = sample.crashes >= MIN_SAMPLE_CRASHES && sample.firmwareHours > 0 ? sample.crashes / sample.firmwareHours : undefined;
  const connectivityRate = sample.online > 0 ? sample.online / sample.devices : undefined;
  return {
    ...fallback,
    ...(crashRate === undefined ? {} : { crashRatePerDeviceHour: crashRate }),
    ...(connectivityRate === undefined ? {} : { connectivityRate }),
  };
}
