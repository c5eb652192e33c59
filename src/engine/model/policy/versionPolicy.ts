import { compare, valid } from 'semver';
import { z } from 'zod';
import type { Device } from '../../ports/fleetProvider';

/** A version in semantic-versioning form ('1.5.0', '2.0.0-rc.1'); kept as written, compared by semver precedence. */
export const SemVer = z.string().refine((text) => valid(text) !== null, {
  message: 'not a semantic version: write MAJOR.MINOR.PATCH, e.g. "1.5.0"',
});

/** Firmware from `firmware` on, up to the next row's version, needs a server API of `minimumServerApi` or later. */
export const CompatibilityRow = z
  .object({
    firmware: SemVer,
    minimumServerApi: SemVer,
  })
  .strict();
export type CompatibilityRow = z.infer<typeof CompatibilityRow>;

/** 003's version policy. Every rule is off until the plan sets it: the seeds give no versions. */
export const VersionPolicy = z
  .object({
    /** 003's "minimum supported version": older devices wait for a rollout that brings them forward first. */
    minimumSourceVersion: SemVer.optional(),
    /** Versions that carry a critical migration: a device below one never jumps past it. */
    requiredIntermediates: z.array(SemVer).default([]),
    /** 003's compatibility matrix, checked against the server's API version before anything starts. */
    compatibility: z
      .array(CompatibilityRow)
      .default([])
      .superRefine((rows, ctx) => {
        rows.forEach((row, index) => {
          if (rows.findIndex((other) => compare(other.firmware, row.firmware) === 0) !== index) {
            ctx.addIssue({ code: 'custom', path: [index, 'firmware'], message: `firmware ${row.firmware} has two rows: keep one` });
          }
        });
      }),
    /** Devices refuse images below their anti-rollback counter; a rollback to such a version is refused before it is sent. */
    antiRollbackMinimum: SemVer.optional(),
  })
  .strict();
export type VersionPolicy = z.infer<typeof VersionPolicy>;

export type PolicyCheck = { ok: true } | { ok: false; problems: string[] };

const checkOf = (problems: string[]): PolicyCheck => (problems.length === 0 ? { ok: true } : { ok: false, problems });

/** Semver precedence: a pre-release comes before its release; build metadata is ignored. Both must be valid. */
export const compareVersions = (a: string, b: string): number => compare(a, b);

export interface RolloutVersions {
  targetVersion: string;
  /** The API version the device-management server runs now; needed once the plan has a compatibility matrix. */
  serverApiVersion?: string;
}

/** A contradiction between the plan's target and its version policy, at the policy field to change. */
export interface VersionIssue {
  path: (keyof VersionPolicy)[];
  message: string;
}

/** What the plan's own versions contradict, before any server is asked. `target` must be valid. */
export function targetVersionIssues(target: string, policy: VersionPolicy): VersionIssue[] {
  const issues: VersionIssue[] = [];
  if (policy.antiRollbackMinimum && compare(target, policy.antiRollbackMinimum) < 0) {
    issues.push({ path: ['antiRollbackMinimum'], message: `target ${target} is below the anti-rollback minimum ${policy.antiRollbackMinimum}: devices would refuse it; write ${target} or an earlier version` });
  }
  if (policy.minimumSourceVersion && compare(policy.minimumSourceVersion, target) >= 0) {
    issues.push({ path: ['minimumSourceVersion'], message: `minimum source version ${policy.minimumSourceVersion} is not below the target ${target}: no device could take it; write a version below ${target}` });
  }
  if (policy.compatibility.length > 0 && !compatibilityRow(target, policy.compatibility)) {
    issues.push({ path: ['compatibility'], message: `the compatibility matrix has no row for ${target} or an earlier version: add one` });
  }
  return issues;
}

/** The plan-level checks, before any device is touched. Every problem is listed, not just the first. */
export function checkRolloutVersions({ targetVersion, serverApiVersion }: RolloutVersions, policy: VersionPolicy): PolicyCheck {
  if (!valid(targetVersion)) return checkOf([`target "${targetVersion}" is not a semantic version`]);
  const problems = targetVersionIssues(targetVersion, policy).map((issue) => issue.message);
  const compatibility = serverApiProblem(targetVersion, serverApiVersion, policy.compatibility);
  if (compatibility) problems.push(compatibility);
  return checkOf(problems);
}

/** The row that covers `target`: the newest at or below it. */
const compatibilityRow = (target: string, rows: readonly CompatibilityRow[]): CompatibilityRow | undefined =>
  [...rows].sort((a, b) => compare(b.firmware, a.firmware)).find((newest) => compare(newest.firmware, target) <= 0);

function serverApiProblem(target: string, serverApi: string | undefined, rows: readonly CompatibilityRow[]): string | undefined {
  const row = compatibilityRow(target, rows);
  if (!row) return undefined;
  if (serverApi === undefined) return `firmware ${target} needs server API ${row.minimumServerApi} or later, and the server's API version is unknown`;
  if (!valid(serverApi)) return `server API version "${serverApi}" is not a semantic version`;
  if (compare(serverApi, row.minimumServerApi) < 0) {
    return `firmware ${target} needs server API ${row.minimumServerApi} or later; the server runs ${serverApi}`;
  }
  return undefined;
}

/** Refuses a rollback the devices' anti-rollback protection would refuse anyway, before any command is sent. */
export function checkRollbackTarget(version: string, policy: VersionPolicy): PolicyCheck {
  if (!valid(version)) return checkOf([`rollback target "${version}" is not a semantic version`]);
  if (policy.antiRollbackMinimum && compare(version, policy.antiRollbackMinimum) < 0) {
    return checkOf([`rollback target ${version} is below the anti-rollback minimum ${policy.antiRollbackMinimum}`]);
  }
  return checkOf([]);
}

export const ExclusionReason = z.enum([
  'unparseable_version',
  'already_on_target',
  'ahead_of_target',
  'below_minimum_source',
  'missing_intermediate',
]);
export type ExclusionReason = z.infer<typeof ExclusionReason>;

export type DeviceEligibility =
  | { deviceId: string; eligible: true }
  | { deviceId: string; eligible: false; reason: ExclusionReason; message: string };

/** Whether the device may go straight to `targetVersion` (one `checkRolloutVersions` accepted). */
export function deviceEligibility(
  device: Pick<Device, 'id' | 'firmwareVersion'>,
  targetVersion: string,
  policy: VersionPolicy,
): DeviceEligibility {
  const { id: deviceId, firmwareVersion: current } = device;
  const excluded = (reason: ExclusionReason, message: string): DeviceEligibility => ({ deviceId, eligible: false, reason, message });
  if (!valid(current)) return excluded('unparseable_version', `firmware version "${current}" is not a semantic version`);
  const toTarget = compare(current, targetVersion);
  if (toTarget === 0) return excluded('already_on_target', `already on ${targetVersion}`);
  if (toTarget > 0) return excluded('ahead_of_target', `on ${current}, newer than the target ${targetVersion}: updating would downgrade it`);
  if (policy.minimumSourceVersion && compare(current, policy.minimumSourceVersion) < 0) {
    return excluded('below_minimum_source', `on ${current}, below the minimum source version ${policy.minimumSourceVersion}`);
  }
  const skipped = policy.requiredIntermediates
    .filter((step) => compare(current, step) < 0 && compare(step, targetVersion) < 0)
    .sort(compare)[0];
  if (skipped) {
    return excluded('missing_intermediate', `on ${current}: must install the required intermediate ${skipped} before ${targetVersion}`);
  }
  return { deviceId, eligible: true };
}
