import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { PlanInput } from '../../src/engine/model/plan';
import type { FlagPlanInput } from '../../src/engine/model/flagPlan';
import type { FirmwareRef } from '../../src/engine/ports/fleetProvider';
import { openLedger, type SqlLedger } from '../../src/adapters/ledger/sqlLedger';
import { signedFirmware } from './artifacts';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import type { RolloutClient } from '../../src/client';
import { waitFor } from './processes';

export const firmware = (version = '2.0.0'): FirmwareRef => signedFirmware(version);

export const uniqueRolloutId = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;

export const planFor = (name: string, overrides: Partial<PlanInput> = {}): PlanInput => ({
  rolloutId: uniqueRolloutId(name),
  firmware: firmware(),
  ...overrides,
});

/** A flag plan switching the seed's `new_sensor_algorithm` on. */
export const flagPlanFor = (name: string, overrides: Partial<FlagPlanInput> = {}): FlagPlanInput => ({
  kind: 'flag',
  rolloutId: uniqueRolloutId(name),
  flag: { name: 'new_sensor_algorithm', value: true },
  ...overrides,
});

/** A fresh embedded ledger in memory: nothing one test records (a quarantined firmware) reaches another. */
export const temporaryLedger = (): Promise<SqlLedger> => openLedger({});

/** A ledger for a benchmark: the server at `LEDGER_URL` when set, else PGlite in a temporary folder (a million devices outgrow memory). */
export const benchLedger = (): Promise<SqlLedger> =>
  openLedger(process.env.LEDGER_URL ? { url: process.env.LEDGER_URL } : { dataDir: mkdtempSync(path.join(tmpdir(), 'bench-ledger-')) });

/** A fleet whose every update takes about 2 s, so a worker killed mid-rollout dies with devices in flight. */
export const slowlyUpdatingFleet = (count: number): MemoryFleet =>
  new MemoryFleet({ devices: generateDevices({ count }), phases: { queued: 100, downloading: 900, downloaded: 100, installing: 500, rebooting: 400 } });

/** Update commands that created an operation since the fleet's `since`-th command, per device. */
export function updatesPerDevice(fleet: MemoryFleet, since: number): Map<string, number> {
  const perDevice = new Map<string, number>();
  const created = fleet.commandLog.slice(since).filter((command) => command.kind === 'update' && !command.duplicate);
  for (const command of created) perDevice.set(command.deviceId, (perDevice.get(command.deviceId) ?? 0) + 1);
  return perDevice;
}

/**
 * Starts a second rollout on the 40 devices a first test left on 2.0.0, shipping 3.0.0, and resolves
 * once 15 of its update commands went out; `sentBefore` is the fleet's command count before it.
 */
export async function startSecondRollout(client: RolloutClient, fleet: MemoryFleet, name: string): Promise<{ plan: PlanInput & { rolloutId: string }; sentBefore: number }> {
  const plan = planFor(name, {
    firmware: firmware('3.0.0'),
    stages: [{ name: 'wave', devices: 40, monitorWindow: '1 minute' }],
    defaults: { batchSize: 10, batchGap: '1 minute' },
  });
  const sentBefore = fleet.commandLog.length;
  await client.start({ plan, speedup: 60 });
  await waitFor(() => fleet.commandLog.length >= sentBefore + 15, 'updates under way', 120_000);
  return { plan, sentBefore };
}
