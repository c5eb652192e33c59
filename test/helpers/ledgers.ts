import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { LedgerLocation } from '../../src/adapters/ledger/ledgerDatabase';

/** A place for a ledger of its own: where one test's rows cannot meet another's. */
export interface LedgerEngine {
  name: string;
  freshLocation(): Promise<LedgerLocation>;
  /** Drops what `freshLocation` made. */
  cleanUp(): Promise<void>;
}

export const pgliteEngine = (): LedgerEngine => ({
  name: 'PGlite (data directory)',
  freshLocation: () => Promise.resolve({ dataDir: mkdtempSync(path.join(tmpdir(), 'ledger-')) }),
  cleanUp: () => Promise.resolve(),
});

/** A new database per location on the server at `serverUrl`, e.g. the one `.ci/with-postgres` starts. */
export function postgresEngine(serverUrl: string): LedgerEngine {
  const databases: string[] = [];
  const admin = async <T>(body: (client: Client) => Promise<T>): Promise<T> => {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    try {
      return await body(client);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'PostgreSQL',
    async freshLocation() {
      const database = `ledger_${randomUUID().replaceAll('-', '')}`;
      await admin((client) => client.query(`create database ${database}`));
      databases.push(database);
      const url = new URL(serverUrl);
      url.pathname = `/${database}`;
      return { url: url.toString() };
    },
    cleanUp: () => admin(async (client) => {
      for (const database of databases.splice(0)) await client.query(`drop database if exists ${database} with (force)`);
    }),
  };
}
