import path from 'node:path';
import { sql } from 'drizzle-orm';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { rowsOf, type LedgerDatabase } from './schema';

export const MIGRATIONS_FOLDER = path.join(__dirname, 'migrations');

/** Any fixed number, the same for every worker: the advisory lock that lets one worker at a time migrate. */
const MIGRATION_LOCK = 7_140_010;

/**
 * Applies the migrations this code knows, one worker at a time, and refuses a database that a newer
 * release already migrated further: this code would misread tables shaped by migrations it does not have.
 */
export async function migrateUnderLock<D extends LedgerDatabase>(db: D, apply: (db: D) => Promise<void>): Promise<void> {
  await db.execute(sql`select pg_advisory_lock(${MIGRATION_LOCK})`);
  try {
    await refuseNewerDatabase(db);
    await apply(db);
  } finally {
    await db.execute(sql`select pg_advisory_unlock(${MIGRATION_LOCK})`);
  }
}

async function refuseNewerDatabase(db: LedgerDatabase): Promise<void> {
  const known = Math.max(...readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER }).map((migration) => migration.folderMillis));
  const applied = await latestAppliedMigration(db);
  if (applied !== undefined && applied > known) {
    throw new Error(
      `the ledger database was migrated by a newer fleet-rollout (migration of ${new Date(applied).toISOString()}; this worker knows up to ${new Date(known).toISOString()}): upgrade this worker, or point LEDGER_URL at another database`,
    );
  }
}

async function latestAppliedMigration(db: LedgerDatabase): Promise<number | undefined> {
  const [table] = await rowsOf<{ exists: boolean }>(db, sql`select to_regclass('drizzle.__drizzle_migrations') is not null as exists`);
  if (!table?.exists) return undefined;
  const [latest] = await rowsOf<{ createdAt: string | null }>(db, sql`select max(created_at)::text as "createdAt" from drizzle.__drizzle_migrations`);
  return latest?.createdAt ? Number(latest.createdAt) : undefined;
}
