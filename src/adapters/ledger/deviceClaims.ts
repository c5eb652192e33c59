import { and, eq, inArray, ne } from 'drizzle-orm';
import { chunks } from '../../engine/model/chunks';
import { DevicesClaimedError, type HandOverResult } from '../../engine/model/deviceClaims';
import type { LedgerDatabase } from './schema';
import { deviceClaims, withdrawals } from './schema';

/** One column per claim row and per id in a list: far under Postgres's 65,535 parameters. */
const DEVICES_PER_STATEMENT = 10_000;

/** The rollout that holds each of `deviceIds` that one holds. */
export async function claimHolders(db: LedgerDatabase, deviceIds: string[], except?: string): Promise<Map<string, string>> {
  const holders = new Map<string, string>();
  for (const ids of chunks(deviceIds, DEVICES_PER_STATEMENT)) {
    const rows = await db
      .select()
      .from(deviceClaims)
      .where(and(inArray(deviceClaims.deviceId, ids), except === undefined ? undefined : ne(deviceClaims.rolloutId, except)));
    for (const row of rows) holders.set(row.deviceId, row.rolloutId);
  }
  return holders;
}

/**
 * Claims `deviceIds` for `rolloutId` inside the caller's transaction; a device another rollout
 * holds throws, so the transaction takes nothing. A device the rollout holds already (a hand-over
 * to it) stays claimed.
 */
export async function takeClaims(tx: LedgerDatabase, rolloutId: string, deviceIds: string[]): Promise<void> {
  // In one order for every rollout, so two snapshots racing for the same devices wait instead of deadlocking.
  for (const ids of chunks([...deviceIds].sort(), DEVICES_PER_STATEMENT)) {
    await tx
      .insert(deviceClaims)
      .values(ids.map((deviceId) => ({ deviceId, rolloutId })))
      .onConflictDoNothing();
  }
  const heldElsewhere = await claimHolders(tx, deviceIds, rolloutId);
  if (heldElsewhere.size > 0) throw new DevicesClaimedError(heldElsewhere);
}

export async function releaseClaims(db: LedgerDatabase, rolloutId: string): Promise<number> {
  return (await db.delete(deviceClaims).where(eq(deviceClaims.rolloutId, rolloutId)).returning()).length;
}

/**
 * In one transaction: the devices `from` holds (all, or those listed) are withdrawn from it, so its
 * batches send them nothing more, and claimed for `to`, or released when there is no `to`.
 */
export function handOver(db: LedgerDatabase, { from, to, devices }: { from: string; to?: string | undefined; devices?: string[] | undefined }): Promise<HandOverResult> {
  return db.transaction(async (tx) => {
    const held = and(eq(deviceClaims.rolloutId, from), devices === undefined ? undefined : inArray(deviceClaims.deviceId, devices));
    const moved = (
      to === undefined ? await tx.delete(deviceClaims).where(held).returning() : await tx.update(deviceClaims).set({ rolloutId: to }).where(held).returning()
    ).map((row) => row.deviceId);
    for (const ids of chunks(moved, DEVICES_PER_STATEMENT)) {
      await tx
        .insert(withdrawals)
        .values(ids.map((deviceId) => ({ rolloutId: from, deviceId })))
        .onConflictDoNothing();
    }
    return { from, ...(to === undefined ? {} : { to }), devices: moved.sort() };
  });
}
