import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import { Pool } from 'pg';
import { MIGRATIONS_FOLDER, migrateUnderLock } from './migrations';
import type { LedgerDatabase } from './schema';

/** The one Postgres dialect the ledger speaks, whichever engine runs it. */

export interface OpenDatabase {
  db: LedgerDatabase;
  close(): Promise<void>;
}

export interface LedgerLocation {
  /** `postgres://…`: a PostgreSQL server, shared by every worker. */
  url?: string | undefined;
  /** PGlite's data directory; absent: in memory, gone when the process ends (tests). */
  dataDir?: string | undefined;
}

/** Opens the ledger's database and brings its tables to the migrations this code knows. */
export async function openDatabase(location: LedgerLocation): Promise<OpenDatabase> {
  return location.url ? openPostgres(location.url) : openPglite(location.dataDir);
}

/** The embedded default's data directory: `$FLEET_ROLLOUT_DATA/ledger`, else under the user's data folder. */
export function defaultDataDir(dataRoot: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const root = dataRoot ?? path.join(env.XDG_DATA_HOME ?? path.join(homedir(), '.local', 'share'), 'fleet-rollout');
  return path.join(root, 'ledger');
}

async function openPglite(dataDir: string | undefined): Promise<OpenDatabase> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir ? { dataDir } : {});
  const db = drizzlePglite({ client });
  try {
    await migrateUnderLock(db, (session) => migratePglite(session, { migrationsFolder: MIGRATIONS_FOLDER }));
  } catch (error) {
    await client.close();
    throw error;
  }
  return { db, close: () => client.close() };
}

async function openPostgres(url: string): Promise<OpenDatabase> {
  const pool = new Pool({ connectionString: url });
  // Activities of one worker share the pool; an idle connection the server dropped is replaced, not fatal.
  pool.on('error', () => undefined);
  try {
    // Session-level advisory lock: take it and release it on one connection, not any of the pool's.
    const connection = await pool.connect().catch((error: unknown) => {
      throw unreachable(url, error);
    });
    try {
      await migrateUnderLock(drizzlePostgres({ client: connection }), (session) => migratePostgres(session, { migrationsFolder: MIGRATIONS_FOLDER }));
    } finally {
      connection.release();
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  return { db: drizzlePostgres({ client: pool }), close: () => pool.end() };
}

function unreachable(url: string, error: unknown): Error {
  // Node reports a refused connection to a name with two addresses as an AggregateError without a message.
  const cause = error instanceof Error ? error.message || (error as NodeJS.ErrnoException).code || error.name : String(error);
  return new Error(
    `the ledger database at LEDGER_URL=${redacted(url)} cannot be reached (${cause}): start PostgreSQL there, or correct LEDGER_URL, or unset it to use the embedded ledger (PGlite under FLEET_ROLLOUT_DATA)`,
  );
}

/** The URL without its password, fit for a log line. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}
