import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { RolloutClient } from '../../src/client';
import { killSwitchWorkflowId } from '../../src/engine/model/ids';
import type { KillSwitchStatus } from '../../src/engine/model/killSwitch';
import type { HttpFleet } from '../../src/adapters/fleet/httpFleet';
import type { Device } from '../../src/engine/ports/fleetProvider';
import type { SimulatorOptions } from '../../rig/simulator/simulatedFleet';
import { startManualSimulator, type ManualSimulator } from '../helpers/manualSimulator';
import { flagPlanFor, temporaryLedger } from '../helpers/fixtures';
import { waitFor } from '../helpers/processes';
import { localEnv, withWorker } from '../helpers/temporal';

const MINUTE = 60_000;

const uniqueFlag = (): string => `kill_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

async function inventory(http: HttpFleet): Promise<Device[]> {
  const devices: Device[] = [];
  let cursor: string | undefined;
  do {
    const page = await http.inventory({ limit: 1000, ...(cursor ? { cursor } : {}) });
    devices.push(...page.devices);
    cursor = page.nextCursor;
  } while (cursor);
  return devices;
}

const flagOn = async (http: HttpFleet, flag: string): Promise<string[]> =>
  (await inventory(http)).filter((device) => device.flags[flag] === true).map((device) => device.id);

/** Every gateway gets the flag on, delivered as the simulator delivers it (offline ones on reconnecting). */
async function switchOnEverywhere(sim: ManualSimulator, flag: string, settleMs: number): Promise<void> {
  const ids = (await inventory(sim.http)).map((device) => device.id);
  await sim.http.setFlags(ids.map((deviceId) => ({ deviceId, idempotencyKey: `enable/${deviceId}/1`, correlationId: 'enable', flag, value: true })));
  sim.clock.advance(settleMs);
}

/** Runs the kill switch while the test moves the simulator's plan time on, one step per few real milliseconds. */
async function pullKillSwitch(sim: ManualSimulator, flag: string, options: { pageSize: number; pagesPerRun: number }): Promise<KillSwitchStatus> {
  const env = await localEnv();
  const ledger = await temporaryLedger();
  return withWorker(env, { fleet: sim.http, ledger }, async (taskQueue) => {
    const client = new RolloutClient(env.client, taskQueue);
    const handle = await client.killSwitch({ flag, by: 'test@ops', reason: 'crashes on rev-b', recheckInterval: '200 ms', ...options });
    let ended = false;
    const result = handle.result().finally(() => (ended = true));
    while (!ended) {
      sim.clock.advance(10_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return result;
  });
}

describe('the kill switch (dev server, simulated fleet over HTTP)', function () {
  this.timeout(180_000);
  let sim: ManualSimulator;

  afterEach(async () => {
    await sim.served.close();
  });

  it('turns the flag off on every gateway that has it, offline ones when they reconnect, with one command each', async () => {
    const flapping: SimulatorOptions = { devices: 200, seed: 4, profile: { flakyLinks: { share: 0.3, disconnectsPerHour: 20 } } };
    sim = await startManualSimulator(flapping);
    const flag = uniqueFlag();
    await switchOnEverywhere(sim, flag, 15 * MINUTE);
    assert.equal((await flagOn(sim.http, flag)).length, 200, 'every gateway has the flag on first');
    const offlineAtPull = (await inventory(sim.http)).filter((device) => !device.online).length;
    assert.ok(offlineAtPull > 0, 'some flapping gateways are offline when the switch is pulled');

    const status = await pullKillSwitch(sim, flag, { pageSize: 50, pagesPerRun: 3 });

    assert.equal(status.state, 'off');
    assert.deepEqual((await flagOn(sim.http, flag)), []);
    assert.equal(status.lastFullPass?.on, 0, 'the last pass read every gateway off');
    assert.ok(status.runs > 1, `continued as new after 3 pages: ${status.runs} runs`);
    const kills = sim.fleet.commandLog.filter((entry) => entry.kind === 'flag' && entry.idempotencyKey.startsWith(status.correlationId));
    const perDevice = new Map<string, number>();
    for (const entry of kills.filter((entry) => !entry.duplicate)) perDevice.set(entry.deviceId, (perDevice.get(entry.deviceId) ?? 0) + 1);
    assert.equal(perDevice.size, 200);
    assert.deepEqual(new Set(perDevice.values()), new Set([1]), 'a gateway whose command waited for it was not sent another');
    assert.equal(status.commanded, 200);
  });

  it('keeps each run of its history bounded on 10,000 gateways, continuing as new', async () => {
    sim = await startManualSimulator({ devices: 10_000, seed: 2, profile: 'clean' });
    const flag = uniqueFlag();
    await switchOnEverywhere(sim, flag, 2_000);
    assert.equal((await flagOn(sim.http, flag)).length, 10_000);

    const status = await pullKillSwitch(sim, flag, { pageSize: 1000, pagesPerRun: 4 });

    assert.equal(status.state, 'off');
    assert.deepEqual((await flagOn(sim.http, flag)), []);
    const env = await localEnv();
    const runs: number[] = [];
    for await (const execution of env.client.workflow.list({ query: `WorkflowId = '${killSwitchWorkflowId(flag)}'` })) runs.push(execution.historyLength);
    console.log(`      ${runs.length} runs, history lengths ${runs.join(', ')} events`);
    assert.ok(runs.length >= 5, `two passes of 10 pages at 4 pages a run take at least 5 runs, found ${runs.length}`);
    assert.ok(Math.max(...runs) <= 60, `a run of 4 pages holds at most 60 events, found ${Math.max(...runs)}`);
  });

  it('aborts a running flag rollout that switches the flag on before switching it off, so no later batch turns it on again', async () => {
    sim = await startManualSimulator({ devices: 30, seed: 3, profile: 'clean' });
    const flag = uniqueFlag();
    const env = await localEnv();
    const plan = flagPlanFor('killed-flag', {
      flag: { name: flag, value: true },
      stages: [
        { name: 'canary', devices: 5, monitorWindow: '1 minute' },
        { name: 'rest', percent: 100, monitorWindow: '1 minute', advance: 'manual' },
      ],
      defaults: { batchSize: 5, batchGap: '1 minute' },
    });
    const { rollout, status } = await withWorker(env, { fleet: sim.http, ledger: await temporaryLedger() }, async (taskQueue) => {
      const client = new RolloutClient(env.client, taskQueue);
      const ticking = setInterval(() => sim.clock.advance(10_000), 20);
      try {
        await client.start({ plan, speedup: 600, startedBy: 'test' });
        await waitFor(async () => (await client.status(plan.rolloutId)).pendingDecision !== undefined, 'the rollout waiting for approval of its second stage');
        assert.equal((await flagOn(sim.http, flag)).length, 5, 'the canary has the flag on');
        const handle = await client.killSwitch({ flag, by: 'oncall@ops', reason: 'crashes on rev-b', recheckInterval: '200 ms' });
        return { status: await handle.result(), rollout: await client.status(plan.rolloutId) };
      } finally {
        clearInterval(ticking);
      }
    });

    assert.equal(rollout.state, 'aborted');
    assert.match(rollout.audit.at(-1)?.reason ?? '', new RegExp(`kill switch of ${flag}: crashes on rev-b`));
    assert.equal(status.state, 'off');
    assert.deepEqual(await flagOn(sim.http, flag), []);
  });
});
