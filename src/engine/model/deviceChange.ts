import { flagTarget, flagValue, type Device, type FirmwareRef, type OperationKind } from '../ports/fleetProvider';
import type { FlagSetting } from './flagPlan';
import type { AnyPlan } from './planKind';
import type { PreflightRules } from './preflight';
import type { DeviceEligibility, VersionPolicy } from './policy/versionPolicy';

/**
 * What a rollout changes on each device, carried by its stages and batches: a firmware image, with
 * the preflight rules and version policy that guard its download and rollback; or one flag's value,
 * which downloads nothing. Firmware rollouts carry the same fields they did before flag plans.
 */
export type DeviceChange =
  | { firmware: FirmwareRef; preflight: PreflightRules; versionPolicy: VersionPolicy; flag?: undefined }
  | { flag: FlagSetting; firmware?: undefined; preflight?: undefined; versionPolicy?: undefined };

export const deviceChange = (plan: AnyPlan): DeviceChange =>
  plan.kind === 'flag' ? { flag: plan.flag } : { firmware: plan.firmware, preflight: plan.preflight, versionPolicy: plan.versionPolicy };

/** The kind of the fleet operations that make the change: what reads of a rollout's operations ask for. */
export const operationKindOf = (change: { flag?: unknown }): Extract<OperationKind, 'update' | 'flag'> => (change.flag ? 'flag' : 'update');

/** The operation kind as bookkeeping activities take it: given only for a flag rollout, so firmware rollouts' inputs stay as they were. */
export const operationKindInput = (change: { flag?: unknown }): { operationKind?: 'flag' } => (change.flag ? { operationKind: 'flag' } : {});

/**
 * What a device reports once changed, as health reads compare it: the firmware version, or for a
 * flag the flag and its value (`flag=value`, a flag operation's `targetVersion`), with the flag whose
 * state the read asks the fleet for.
 */
export interface HealthTarget {
  firmwareVersion: string;
  flag?: string;
}

export const healthTarget = (change: DeviceChange): HealthTarget =>
  change.flag ? { firmwareVersion: flagTarget(change.flag.name, change.flag.value), flag: change.flag.name } : { firmwareVersion: change.firmware.version };

/** What a rollback returns devices to: the flag's previous value, or the previous firmware within the version policy. */
export const rollbackTarget = (change: DeviceChange): { flag: string } | { versionPolicy: VersionPolicy } =>
  change.flag ? { flag: change.flag.name } : { versionPolicy: change.versionPolicy };

/** What the rollout's status and search attributes say it changes. */
export const statusTarget = (plan: AnyPlan): { firmwareVersion: string; flag?: FlagSetting } => ({
  firmwareVersion: healthTarget(deviceChange(plan)).firmwareVersion,
  ...(plan.kind === 'flag' ? { flag: plan.flag } : {}),
});

/** Whether a flag rollout is for the device: its flag has another value than the plan's. */
export const flagEligibility = (device: Pick<Device, 'id' | 'flags'>, { name, value }: FlagSetting): DeviceEligibility =>
  flagValue(device.flags, name) === value
    ? { deviceId: device.id, eligible: false, reason: 'already_on_target', message: `already ${flagTarget(name, value)}` }
    : { deviceId: device.id, eligible: true };

/** How the CLI, the Web UI and the client name what a rollout changes: "firmware 2.4.0" or "flag new_sensor_algorithm = true". */
export const changeLabel = ({ firmwareVersion, flag }: { firmwareVersion: string; flag?: FlagSetting | undefined }): string =>
  flag ? `flag ${flag.name} = ${flag.value}` : `firmware ${firmwareVersion}`;
