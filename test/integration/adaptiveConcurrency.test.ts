import assert from 'node:assert/strict';
import { HttpFleet } from '../../src/adapters/fleet/httpFleet';
import { FleetRequestFailed } from '../../src/adapters/fleet/fleetHttpErrors';
import { ManualClock } from '../../rig/simulator/clock';
import { serveSimulator } from '../../rig/simulator/serveSimulator';
import { SimulatedFleet } from '../../rig/simulator/simulatedFleet';
import { firmware } from '../helpers/fixtures';

const TARGET = { targetLoadPercent: 45, ceiling: 200 };

/** The simulator over real HTTP on a manual clock, and a client of it whose adaptive limit is under test. */
async function simulatedService() {
  const clock = new ManualClock(1000);
  const fleet = new SimulatedFleet({ devices: 200, seed: 2, profile: 'clean' }, clock);
  const served = await serveSimulator({ fleet });
  const client = new HttpFleet({ baseUrl: served.url, rateLimit: { requestsPerSecond: 1000 }, retry: { attempts: 1 } });
  const ids = (await client.inventory({ limit: 1000 })).devices.map((device) => device.id);
  const update = (fleetClient: HttpFleet, deviceIds: string[]) =>
    fleetClient.startUpdates(deviceIds.map((deviceId) => ({ deviceId, idempotencyKey: `r/${deviceId}/1`, correlationId: 'r', firmware: firmware() })));
  return { clock, fleet, served, client, ids, update };
}

describe('adaptive concurrency against the simulated management service', () => {
  it('follows the load the service reports: as many operations as fit under the target, no more', async () => {
    const { served, client, ids, update, fleet } = await simulatedService();
    try {
      const sent: string[] = [];
      for (let round = 0; round < 10; round++) {
        const admitted = client.admission.tryAdmit(ids.length - sent.length, TARGET);
        const batch = ids.slice(sent.length, sent.length + admitted);
        if (batch.length > 0) await update(client, batch);
        sent.push(...batch);
        await client.vitals(ids.slice(0, 1));
      }
      assert.equal(sent.length, 19, `10 % + 1.8 % × 19 = 44.2 % (sent ${sent.length})`);
      assert.equal(client.admission.state.limit, 19);
      assert.equal(fleet.metrics().management.peakCpuPercent <= 45, true);
    } finally {
      await served.close();
    }
  });

  it('halves its limit when the service refuses a request with 429', async () => {
    const { clock, served, client, ids, update } = await simulatedService();
    const other = new HttpFleet({ baseUrl: served.url, rateLimit: { requestsPerSecond: 1000 } });
    try {
      client.admission.tryAdmit(1, TARGET);
      await client.vitals(ids.slice(0, 1));
      const before = client.admission.state.limit;
      await update(other, ids.slice(0, 60));
      clock.advance(1000);
      await assert.rejects(client.vitals(ids.slice(0, 1)), FleetRequestFailed);
      assert.equal(client.admission.state.limit, Math.floor(before / 2));
    } finally {
      await served.close();
    }
  });
});
