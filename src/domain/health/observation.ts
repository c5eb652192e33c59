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
  /** Updated devices that do not answer. */
  unresponsive: number;
  connectivityRate?: number;
  batteryDrain?: number;
}

/** A stage's health poll as the pause triggers read it, over `exposureHours` of plan time on the new firmware. */
export function toObservation(health: StageHealth, exposureHours: number): HealthObservation {
  return {
    exposedDevices: health.exposed,
    exposureHours,
    crashes: health.crashes,
    rollbacks: health.reverted,
    unresponsiveDevices: health.unresponsive,
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
