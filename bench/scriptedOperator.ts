import { HttpFleet } from '../src/adapters/fleet/httpFleet';
import type { FirmwareRef } from '../src/engine/ports/fleetProvider';
import { ManualClock } from '../rig/simulator/clock';
import type { ProfileName } from '../rig/simulator/profiles';
import { serveSimulator } from '../rig/simulator/serveSimulator';
import { SimulatedFleet } from '../rig/simulator/simulatedFleet';
import { SimulatorClient } from '../rig/simulator/simulatorClient';
import { measure, type RunResult } from './measurement';

const MINUTE = 60_000;
const POLL_MS = MINUTE;
/** Nobody waits longer than this for the last operation of a scripted run. */
const GIVE_UP_MS = 24 * 60 * MINUTE;

export interface ScriptedRun {
  strategy: 'bulk' | 'naive';
  seed: number;
  devices: number;
  profile: ProfileName;
  firmware: FirmwareRef;
  /** Gateways per request batch; the bulk puts all of them in one. */
  batchSize: number;
  /** The fixed sleep between batches. */
  gapMs: number;
  settleMs: number;
}

/**
 * The seed's operators, as scripts: send the update to a batch, sleep, next batch, no gates. A script
 * has no clock of its own, so it runs on a manual simulator clock: exact and reproducible. The
 * contract caps a request at 100 gateways, so the bulk is two requests at the same plan instant.
 */
export async function runScriptedOperator(run: ScriptedRun): Promise<RunResult> {
  const clock = new ManualClock(1000);
  const fleet = new SimulatedFleet({ devices: run.devices, seed: run.seed, profile: run.profile }, clock);
  const served = await serveSimulator({ fleet });
  const http = new HttpFleet({ baseUrl: served.url, rateLimit: { requestsPerSecond: 1000 } });
  const sim = new SimulatorClient(served.url);
  try {
    const ids = (await http.inventory({ limit: 1000 })).devices.map((device) => device.id);
    for (let start = 0; start < ids.length; start += run.batchSize) {
      if (start > 0) clock.advance(run.gapMs);
      const batch = ids.slice(start, start + run.batchSize);
      await http.startUpdates(batch.map((deviceId) => ({ deviceId, idempotencyKey: `${run.strategy}/${deviceId}/1`, correlationId: run.strategy, firmware: run.firmware })));
    }
    const planTimeMs = await untilNothingInFlight(sim, clock);
    clock.advance(run.settleMs);
    return await measure(sim, { strategy: run.strategy, seed: run.seed, targetVersion: run.firmware.version, planTimeMs });
  } finally {
    await served.close();
  }
}

/** Advances the clock until the last operation is over; returns the plan time then. */
async function untilNothingInFlight(sim: SimulatorClient, clock: ManualClock): Promise<number> {
  for (;;) {
    const { management, clock: time } = await sim.metrics();
    if (management.operationsInFlight === 0 || time.planTimeMs >= GIVE_UP_MS) return time.planTimeMs;
    clock.advance(POLL_MS);
  }
}
