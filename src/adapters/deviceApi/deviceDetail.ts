import { z } from 'zod';
import { DeviceOutcomeState, type DeviceOutcome } from '../../engine/model/status';
import type { Ledger, TargetDevice } from '../../engine/ports/ledger';

/** A device's place in a rollout: `pending` until its batch recorded an outcome. */
export const DeviceState = z.enum(['pending', ...DeviceOutcomeState.options]);
export type DeviceState = z.infer<typeof DeviceState>;

export const DeviceDetail = z.object({
  deviceId: z.string(),
  stage: z.string(),
  /** The firmware it ran when the rollout started: where a rollback returns it to. */
  fromVersion: z.string(),
  /** In a flag rollout: the flag's value when the rollout started, where a rollback returns it to. */
  fromFlag: z.boolean().optional(),
  state: DeviceState,
  attempts: z.number().int().nonnegative(),
  reason: z.string().optional(),
  operationId: z.string().optional(),
  /** For a quarantined device: what support needs to start. */
  errorCode: z.string().optional(),
  currentVersion: z.string().optional(),
});
export type DeviceDetail = z.infer<typeof DeviceDetail>;

export const DeviceFilter = z
  .object({
    state: DeviceState.optional(),
    stage: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().nonnegative().default(0),
  })
  .strict();
export type DeviceFilter = z.input<typeof DeviceFilter>;

export const DevicePage = z.object({ rolloutId: z.string(), total: z.number().int().nonnegative(), devices: z.array(DeviceDetail) });
export type DevicePage = z.infer<typeof DevicePage>;

/** The rollout's devices in target order, filtered and paged; undefined when the ledger has no such rollout. */
export async function listDevices(ledger: Ledger, rolloutId: string, filter: z.infer<typeof DeviceFilter>): Promise<DevicePage | undefined> {
  const details = await allDevices(ledger, rolloutId);
  if (!details) return undefined;
  const matching = details.filter((device) => (!filter.state || device.state === filter.state) && (!filter.stage || device.stage === filter.stage));
  return { rolloutId, total: matching.length, devices: matching.slice(filter.offset, filter.offset + filter.limit) };
}

export async function findDevice(ledger: Ledger, rolloutId: string, deviceId: string): Promise<DeviceDetail | undefined> {
  return (await allDevices(ledger, rolloutId))?.find((device) => device.deviceId === deviceId);
}

async function allDevices(ledger: Ledger, rolloutId: string): Promise<DeviceDetail[] | undefined> {
  const targets = await targetsOf(ledger, rolloutId);
  if (!targets) return undefined;
  const outcomes = new Map((await ledger.outcomes(rolloutId)).map((outcome) => [outcome.deviceId, outcome]));
  return [...targets.values()].map((target) => detail(target, outcomes.get(target.id)));
}

function detail(target: TargetDevice & { stage: string }, outcome: DeviceOutcome | undefined): DeviceDetail {
  return {
    deviceId: target.id,
    stage: target.stage,
    fromVersion: target.fromVersion,
    ...(target.fromFlag === undefined ? {} : { fromFlag: target.fromFlag }),
    state: outcome?.state ?? 'pending',
    attempts: outcome?.attempts ?? 0,
    ...(outcome?.reason ? { reason: outcome.reason } : {}),
    ...(outcome?.operationId ? { operationId: outcome.operationId } : {}),
    ...(outcome?.errorCode ? { errorCode: outcome.errorCode } : {}),
    ...(outcome?.currentVersion ? { currentVersion: outcome.currentVersion } : {}),
  };
}

/** The Ledger port has no "no such rollout" error type yet; its implementations say it in this message. */
async function targetsOf(ledger: Ledger, rolloutId: string) {
  try {
    return await ledger.targets(rolloutId);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('ledger has no targets')) return undefined;
    throw error;
  }
}
