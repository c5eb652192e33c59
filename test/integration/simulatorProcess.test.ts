import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { exitOf, freePort, spawnTs, waitFor } from '../helpers/processes';
import { HttpFleet } from '../../src/adapters/fleet/httpFleet';
import { SimulatorClient } from '../../rig/simulator/simulatorClient';

describe('the simulator process (npm run sim)', function () {
  this.timeout(30_000);

  let child: ChildProcess | undefined;

  afterEach(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await exitOf(child);
    }
  });

  it('serves a fleet configured from SIM_* variables, on a clock that runs, and stops on SIGTERM', async () => {
    const port = await freePort();
    child = spawnTs('rig/simulator/main.ts', { SIM_PORT: String(port), SIM_DEVICES: '20', SIM_SEED: '9', SIM_SPEEDUP: '600', LOG_LEVEL: 'warn' });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok === true, 'the simulator to listen');

    const inventory = await new HttpFleet({ baseUrl: url }).inventory({ limit: 100 });
    assert.equal(inventory.devices.length, 20);
    const sim = new SimulatorClient(url);
    const first = await sim.metrics();
    assert.equal(first.clock.speedup, 600);
    await waitFor(async () => (await sim.metrics()).clock.planTimeMs > first.clock.planTimeMs, 'plan time to move');

    const exited = exitOf(child);
    child.kill('SIGTERM');
    await exited;
    assert.equal(child.exitCode, 0);
  });

  it('refuses an invalid option with exit code 2', async () => {
    child = spawnTs('rig/simulator/main.ts', { SIM_PROFILE: 'no-such-profile' });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await exitOf(child);
    assert.equal(child.exitCode, 2);
    assert.match(stderr, /profile/);
  });
});
