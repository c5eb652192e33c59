import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { PlanInput } from '../../src/engine/model/plan';
import type { FirmwareRef } from '../../src/engine/ports/fleetProvider';
import { FileLedger } from '../../src/adapters/ledger/fileLedger';
import { signedFirmware } from './artifacts';

export const firmware = (version = '2.0.0'): FirmwareRef => signedFirmware(version);

export const uniqueRolloutId = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;

export const planFor = (name: string, overrides: Partial<PlanInput> = {}): PlanInput => ({
  rolloutId: uniqueRolloutId(name),
  firmware: firmware(),
  ...overrides,
});

export const temporaryLedger = (): FileLedger => new FileLedger(mkdtempSync(path.join(tmpdir(), 'ledger-')));
