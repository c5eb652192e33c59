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

/**
 * A stable hash of the id in [0, 1), so the same devices are observed at every poll and by every
 * worker: FNV-1a, then MurmurHash3's finalizer, as ids differing in their last digit would otherwise
 * land close together.
 */
export function stableFraction(deviceId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < deviceId.length; index++) hash = Math.imul(hash ^ deviceId.charCodeAt(index), 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return ((hash ^ (hash >>> 16)) >>> 0) / 4294967296;
}

/** Whether a device is among the `limit` of `total` whose health every poll reads. */
export const isObserved = (deviceId: string, total: number, limit: number): boolean => total <= limit || stableFraction(deviceId) < limit / total;
