import type { HealthObservation } from './triggers';

/** One health poll of a stage's updated devices, summed; optional fields are absent when nothing measured them. */
export interface StageHealth {
  /** Devices this stage updated successfully. */
  updated: number;
  /** Of those, still on the new firmware. */
  exposed: number;
  crashes: number;
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

/**
 * A stage's health poll as the pause triggers read it, over `exposureHours` of plan time on the new
 * firmware; `unresponsive` are the devices silent for two polls in a row.
 */
export function toObservation(health: StageHealth, exposureHours: number, unresponsive: readonly string[]): HealthObservation {
  return {
    exposedDevices: health.exposed,
    exposureHours,
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
