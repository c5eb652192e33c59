import type { CrashExposure } from './observation';
import type { EvidenceIncrement } from './sequential';

/** A device's crash counters as one poll read them (the ledger keeps the latest per device). */
export interface CrashReading {
  firmwareVersion: string;
  crashCount: number;
  firmwareUptimeSeconds: number;
}

export type Arm = 'updated' | 'control';

export interface DeviceIncrement extends CrashExposure {
  arm: Arm;
}

/**
 * What one device adds to the evidence between two polls. A device on the new firmware counts from
 * its own activation of it: all of its counters the first time it is seen there, their growth after.
 * A device on another firmware is control once a reading of that firmware came before, so that its
 * hours before the rollout (or before its own rollback) never count. A counter that went backwards
 * means the firmware was activated again: the interval starts over.
 */
export function deviceIncrement(previous: CrashReading | undefined, current: CrashReading, newVersion: string): DeviceIncrement | undefined {
  const arm: Arm = current.firmwareVersion === newVersion ? 'updated' : 'control';
  const continued =
    previous !== undefined &&
    previous.firmwareVersion === current.firmwareVersion &&
    current.firmwareUptimeSeconds >= previous.firmwareUptimeSeconds &&
    current.crashCount >= previous.crashCount;
  if (!continued) return arm === 'updated' ? { arm, crashes: current.crashCount, firmwareHours: current.firmwareUptimeSeconds / 3600 } : undefined;
  return { arm, crashes: current.crashCount - previous.crashCount, firmwareHours: (current.firmwareUptimeSeconds - previous.firmwareUptimeSeconds) / 3600 };
}

/** Sums device increments into one increment per cohort, cohorts in name order. */
export function cohortIncrements(increments: readonly { cohort: string; increment: DeviceIncrement }[]): EvidenceIncrement[] {
  const byCohort = new Map<string, EvidenceIncrement>();
  for (const { cohort, increment } of increments) {
    const sum = byCohort.get(cohort) ?? { cohort, updated: { crashes: 0, firmwareHours: 0 }, control: { crashes: 0, firmwareHours: 0 } };
    const arm = sum[increment.arm];
    sum[increment.arm] = { crashes: arm.crashes + increment.crashes, firmwareHours: arm.firmwareHours + increment.firmwareHours };
    byCohort.set(cohort, sum);
  }
  return [...byCohort.values()].sort((a, b) => a.cohort.localeCompare(b.cohort));
}
