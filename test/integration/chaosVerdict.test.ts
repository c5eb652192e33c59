import assert from 'node:assert/strict';
import { HttpFleet } from '../../src/adapters/fleet/httpFleet';
import type { FirmwareRef, UpdateCommand } from '../../src/engine/ports/fleetProvider';
import type { DeviceCounts } from '../../src/engine/model/status';
import type { ServedFleet } from '../../rig/fleet/serveFleet';
import { startFaultProxy, type FaultProxy } from '../../rig/fleet/faultProxy';
import { ManualClock } from '../../rig/simulator/clock';
import { serveSimulator } from '../../rig/simulator/serveSimulator';
import { SimulatedFleet } from '../../rig/simulator/simulatedFleet';
import { SimulatorClient } from '../../rig/simulator/simulatorClient';
import { judge } from '../../bench/campaign/verdict';

const FIRMWARE: FirmwareRef = { version: '2.0.0', url: 'http://127.0.0.1/2.0.0.bin', sha256: 'a'.repeat(64), sizeBytes: 1024, signature: 'unchecked', keyId: 'test' };
const DEVICES = ['gw-00001', 'gw-00002', 'gw-00003'];
const command = (deviceId: string, generation: number): UpdateCommand => ({ deviceId, idempotencyKey: `r1/${deviceId}/${generation}`, correlationId: 'r1', firmware: FIRMWARE });
const succeeded = (count: number): DeviceCounts => ({ pending: 0, succeeded: count, failed: 0, deferred: 0, rolled_back: 0, excluded: 0 });

describe("the chaos campaign's verdict on a real simulator over HTTP, behind the fault proxy", () => {
  let clock: ManualClock;
  let served: ServedFleet;
  let proxy: FaultProxy | undefined;
  let sim: SimulatorClient;

  beforeEach(async () => {
    clock = new ManualClock(1000);
    served = await serveSimulator({ fleet: new SimulatedFleet({ devices: DEVICES.length, profile: 'clean' }, clock) });
    sim = new SimulatorClient(served.url);
  });
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
    await served.close();
  });

  /** Lets every update finish, then judges the account "all succeeded" against what the simulator saw. */
  async function verdict() {
    clock.advance(60 * 60_000);
    const [gateways, commands] = await Promise.all([sim.devices(), sim.commands()]);
    return judge({ targetVersion: '2.0.0', gateways, commands, account: DEVICES.map((deviceId) => ({ deviceId, state: 'succeeded' })), counts: succeeded(DEVICES.length) });
  }

  it('finds no duplicate when every 5xx came after the service acted and the client sent the command again', async () => {
    proxy = await startFaultProxy(served.url, { serverErrorShare: 1, seed: 5 });
    const throughProxy = new HttpFleet({ baseUrl: proxy.url, retry: { attempts: 1 } });
    await assert.rejects(throughProxy.startUpdates(DEVICES.map((deviceId) => command(deviceId, 1))));
    await new HttpFleet({ baseUrl: served.url }).startUpdates(DEVICES.map((deviceId) => command(deviceId, 1)));
    const { duplicates, lost, mismatches, countMismatches } = await verdict();
    assert.equal(proxy.counts.serverErrorsAfter, 1, 'the service acted on the request the proxy failed');
    assert.deepEqual({ duplicates, lost, mismatches, countMismatches }, { duplicates: [], lost: [], mismatches: [], countMismatches: [] });
  });

  it('finds the device a duplicating client commanded again under a new key while its update ran', async () => {
    const fleet = new HttpFleet({ baseUrl: served.url });
    await fleet.startUpdates(DEVICES.map((deviceId) => command(deviceId, 1)));
    await fleet.startUpdates([command('gw-00002', 2)]);
    assert.deepEqual((await verdict()).duplicates, ['gw-00002']);
  });
});
