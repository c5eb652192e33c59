import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { PlanInput } from '../../src/engine/model/plan';
import type { FirmwareRef } from '../../src/engine/ports/fleetProvider';
import { openLedger, type SqlLedger } from '../../src/adapters/ledger/sqlLedger';
import { signedFirmware } from './artifacts';

export const firmware = (version = '2.0.0'): FirmwareRef => signedFirmware(version);

export const uniqueRolloutId = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;

export const planFor = (name: string, overrides: Partial<PlanInput> = {}): PlanInput => ({
  rolloutId: uniqueRolloutId(name),
  firmware: firmware(),
  ...overrides,
});

/** A fresh embedded ledger in memory: nothing one test records (a quarantined firmware) reaches another. */
export const temporaryLedger = (): Promise<SqlLedger> => openLedger({});

/** A ledger for a benchmark: the server at `LEDGER_URL` when set, else PGlite in a temporary folder (a million devices outgrow memory). */
export const benchLedger = (): Promise<SqlLedger> =>
  openLedger(process.env.LEDGER_URL ? { url: process.env.LEDGER_URL } : { dataDir: mkdtempSync(path.join(tmpdir(), 'bench-ledger-')) });
