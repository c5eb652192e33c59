import { HttpFleet } from '../../src/adapters/fleet/httpFleet';
import type { ServedFleet } from '../../rig/fleet/serveFleet';
import { ManualClock } from '../../rig/simulator/clock';
import { serveSimulator } from '../../rig/simulator/serveSimulator';
import { SimulatedFleet, type SimulatorOptions } from '../../rig/simulator/simulatedFleet';
import { SimulatorClient } from '../../rig/simulator/simulatorClient';

export interface ManualSimulator {
  fleet: SimulatedFleet;
  clock: ManualClock;
  http: HttpFleet;
  sim: SimulatorClient;
  served: ServedFleet;
}

/** A simulator on a manual clock behind real HTTP: plan time moves only when the test says so. */
export async function startManualSimulator(options: SimulatorOptions): Promise<ManualSimulator> {
  const clock = new ManualClock(1000);
  const fleet = new SimulatedFleet(options, clock);
  const served = await serveSimulator({ fleet });
  const http = new HttpFleet({ baseUrl: served.url, retry: { attempts: 1 }, rateLimit: { requestsPerSecond: 1000 } });
  return { fleet, clock, http, sim: new SimulatorClient(served.url), served };
}
