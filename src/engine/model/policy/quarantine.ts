import { ApplicationFailure } from '@temporalio/common';
import { compare, valid } from 'semver';
import { z } from 'zod';
import { FailureType } from '../failures';
import { SemVer } from './versionPolicy';

/** Failure type thrown by `assertNotQuarantined`: retrying cannot un-quarantine a firmware. */
export const FIRMWARE_QUARANTINED = FailureType.FirmwareQuarantined;

const IsoTime = z.iso.datetime();
const isoAt = (atMs: number): string => new Date(atMs).toISOString();

export const DeviceQuarantinePolicy = z
  .object({
    /** 002's bootloader gives up after 3 failed boots; 003 routes a device that "fails repeatedly" to support. */
    maxConsecutiveFailures: z.number().int().positive().default(3),
  })
  .strict();
export type DeviceQuarantinePolicy = z.infer<typeof DeviceQuarantinePolicy>;

export interface UpdateAttempt {
  succeeded: boolean;
  errorCode?: string;
}

/** A device taken out of rollouts and routed to the support queue, with what support needs to start (003). */
export const DeviceQuarantine = z
  .object({
    deviceId: z.string(),
    currentVersion: z.string(),
    consecutiveFailures: z.number().int().positive(),
    lastErrorCode: z.string().optional(),
    at: IsoTime,
  })
  .strict();
export type DeviceQuarantine = z.infer<typeof DeviceQuarantine>;

export interface DeviceAttempts {
  deviceId: string;
  currentVersion: string;
  /** Oldest first. */
  attempts: readonly UpdateAttempt[];
}

/** The quarantine record once the latest attempts are `maxConsecutiveFailures` failures in a row; a success resets the count. */
export function deviceQuarantine(
  { deviceId, currentVersion, attempts }: DeviceAttempts,
  policy: DeviceQuarantinePolicy,
  atMs: number,
): DeviceQuarantine | undefined {
  const newestFirst = [...attempts].reverse();
  const lastSuccess = newestFirst.findIndex((attempt) => attempt.succeeded);
  const consecutiveFailures = lastSuccess === -1 ? attempts.length : lastSuccess;
  if (consecutiveFailures < policy.maxConsecutiveFailures) return undefined;
  const lastErrorCode = newestFirst[0]?.errorCode;
  return { deviceId, currentVersion, consecutiveFailures, ...(lastErrorCode !== undefined && { lastErrorCode }), at: isoAt(atMs) };
}

/** A firmware no rollout may ship again, e.g. after 002's "rollback_cohort(); quarantine_firmware()". */
export const FirmwareQuarantine = z
  .object({
    version: SemVer,
    reason: z.string().min(1),
    at: IsoTime,
    /** Quarantined for the devices of this cohort only (a regression confined to it); absent: for every device. */
    cohort: z.object({ attribute: z.string(), value: z.string() }).strict().optional(),
  })
  .strict();
export type FirmwareQuarantine = z.infer<typeof FirmwareQuarantine>;

export const quarantineFirmware = (version: string, reason: string, atMs: number, cohort?: FirmwareQuarantine['cohort']): FirmwareQuarantine => ({
  version,
  reason,
  at: isoAt(atMs),
  ...(cohort ? { cohort } : {}),
});

// Semver equality, so '2.0.0+build.7' is the quarantined '2.0.0': a rebuild needs a new version number to ship.
const sameVersion = (a: string, b: string): boolean => a === b || (!!valid(a) && !!valid(b) && compare(a, b) === 0);

/** The record that keeps `version` from every device; records for one cohort do not. */
export function quarantineOf(version: string, records: readonly FirmwareQuarantine[]): FirmwareQuarantine | undefined {
  return records.find((record) => !record.cohort && sameVersion(record.version, version));
}

/** The cohorts (by `attribute`) that `version` is quarantined for, each with its record. */
export function cohortQuarantines(version: string, attribute: string, records: readonly FirmwareQuarantine[]): Map<string, FirmwareQuarantine> {
  return new Map(records.flatMap((record) => (record.cohort?.attribute === attribute && sameVersion(record.version, version) ? [[record.cohort.value, record] as const] : [])));
}

/** Throws a non-retryable `FirmwareQuarantined` failure, which fails a workflow (not just its task) before anything starts. */
export function assertNotQuarantined(version: string, records: readonly FirmwareQuarantine[]): void {
  const record = quarantineOf(version, records);
  if (record) {
    throw ApplicationFailure.nonRetryable(
      `firmware ${version} was quarantined at ${record.at} (${record.reason}): release a fixed version instead`,
      FIRMWARE_QUARANTINED,
    );
  }
}

/** Why a device ended the rollout window without the update (003: "track which devices missed the update and why"). */
export const MissReason = z.enum([
  'offline',
  'preflight_deferred',
  'maintenance_window_closed',
  'version_policy',
  'device_quarantined',
  'no_stage',
  /** Its update failed in a way retrying cannot fix (it rolled itself back, or needs a person). */
  'update_failed',
  /** A batch gate rolled it back and the rollout went on. */
  'rolled_back',
  /** An operator rolled back its cohort before its turn and withdrew it from the rollout. */
  'cohort_withdrawn',
  /** Another rollout held it when this one snapshotted its targets (one rollout per device at a time). */
  'claimed_by_rollout',
]);
export type MissReason = z.infer<typeof MissReason>;

/** One row of the final report's missed devices. */
export const MissedDevice = z
  .object({
    deviceId: z.string(),
    /** `cohortKey` of the device, to group misses like failures. */
    cohort: z.string(),
    currentVersion: z.string(),
    targetVersion: z.string(),
    reason: MissReason,
    /** The specific cause, e.g. the preflight rule or the version-policy message. */
    detail: z.string(),
  })
  .strict();
export type MissedDevice = z.infer<typeof MissedDevice>;

export interface MissedSummary {
  total: number;
  byReason: Partial<Record<MissReason, number>>;
  byCohort: Record<string, number>;
}

export function summarizeMissed(rows: readonly MissedDevice[]): MissedSummary {
  const summary: MissedSummary = { total: rows.length, byReason: {}, byCohort: {} };
  for (const { reason, cohort } of rows) {
    summary.byReason[reason] = (summary.byReason[reason] ?? 0) + 1;
    summary.byCohort[cohort] = (summary.byCohort[cohort] ?? 0) + 1;
  }
  return summary;
}
