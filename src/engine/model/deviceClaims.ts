import { z } from 'zod';
import { ConnectionIdentity } from './connectionIdentity';

/**
 * One rollout per device at a time: a rollout claims its targets in the ledger when it snapshots
 * them and releases them when it ends, so a device another rollout holds is excluded, naming it.
 */
const CLAIMED_BY = 'claimed by rollout ';

/** The reason recorded for a device another rollout holds. */
export const claimedByReason = (holder: string): string => `${CLAIMED_BY}${holder}`;

export const isClaimedByReason = (reason: string): boolean => reason.startsWith(CLAIMED_BY);

/** Devices a rollout left out because another rollout held them, per holder. */
export const ClaimedElsewhere = z.object({ rolloutId: z.string(), devices: z.number().int().positive() });
export type ClaimedElsewhere = z.infer<typeof ClaimedElsewhere>;

export function countByHolder(holders: Iterable<string>): ClaimedElsewhere[] {
  const counts = new Map<string, number>();
  for (const holder of holders) counts.set(holder, (counts.get(holder) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([rolloutId, devices]) => ({ rolloutId, devices }));
}

/**
 * Another rollout claimed some of the targets between the snapshot's read of the claims and its
 * save: the save took nothing, and the snapshot is retried, which then excludes them.
 */
export class DevicesClaimedError extends Error {
  override readonly name = 'DevicesClaimedError';
  constructor(readonly holders: ReadonlyMap<string, string>) {
    super(`${holders.size} target devices were claimed by another rollout meanwhile (${countByHolder(holders.values()).map(({ rolloutId, devices }) => `${rolloutId}: ${devices}`).join(', ')}); snapshot again`);
  }
}

/** An operator moves devices from one rollout to another, or frees them for the next rollout that starts. */
export const HandOverRequest = z
  .object({
    from: z.string().min(1, 'name the rollout that holds the devices'),
    /** Absent: the devices are released, and the next rollout that snapshots them claims them. */
    to: z.string().min(1, 'name the rollout that takes the devices, or leave `to` out to release them').optional(),
    /** Absent: every device `from` holds. */
    devices: z.array(z.string().min(1)).min(1, 'list at least one device, or leave `devices` out to hand over all').optional(),
    by: z.string().min(1, 'say who hands the devices over'),
    /** Who the client's connection authenticated as, stamped by `RolloutClient`. */
    identity: ConnectionIdentity.optional(),
    reason: z.string().min(1, 'say why the devices are handed over'),
  })
  .strict()
  .refine((request) => request.to !== request.from, { path: ['to'], message: 'hand the devices to another rollout than the one holding them' });
export type HandOverRequest = z.infer<typeof HandOverRequest>;

/** What a hand-over moved: the devices `from` held among those asked for. */
export interface HandOverResult {
  from: string;
  to?: string;
  devices: string[];
}
