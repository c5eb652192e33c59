import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { loadConfig } from '../../src/config';
import { RolloutClient } from '../../src/client';
import { startDevServer, type RunningDevServer } from '../../rig/devenv/devConfig';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { serveFleet, type ServedFleet } from '../../rig/fleet/serveFleet';
import { writeTestTrustedKeys } from '../helpers/artifacts';
import { planFor, slowlyUpdatingFleet, startSecondRollout, updatesPerDevice } from '../helpers/fixtures';
import { tcpProxy } from '../helpers/tcpProxy';
import { postgresEngine } from '../helpers/ledgers';
import { exitOf, freePort, spawnTs, waitFor } from '../helpers/processes';

// Two workers share a ledger only through a server: this runs where `.ci/with-postgres` set one.
const serverUrl = process.env.LEDGER_TEST_URL;

(serverUrl ? describe : describe.skip)('workers sharing one PostgreSQL ledger (dev server, worker processes)', () => {
  const workdir = mkdtempSync(path.join(tmpdir(), 'scale-out-'));
  const engine = postgresEngine(serverUrl ?? '');
  let server: RunningDevServer;
  let served: ServedFleet;
  const workers: ChildProcess[] = [];
  const fleet = slowlyUpdatingFleet(40);

  before(async () => {
    server = await startDevServer({ port: await freePort(), headless: true, dbFile: path.join(workdir, 'dev.db'), logFile: path.join(workdir, 'server.log') });
    served = await serveFleet({ fleet });
  });

  after(async () => {
    workers.forEach((worker) => worker.kill('SIGKILL'));
    await served?.close();
    await server?.stop();
    await engine.cleanUp();
  });

  const workerEnv = (taskQueue: string, ledgerUrl: string) => ({
    FIRMWARE_TRUSTED_KEYS_FILE: writeTestTrustedKeys(workdir),
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: `${taskQueue}-${process.pid}`,
    FLEET_URL: served.url,
    LEDGER_URL: ledgerUrl,
    LOG_LEVEL: 'warn',
  });

  /** A worker in a folder of its own, as on a host of its own: nothing but Temporal and the ledger is shared. */
  const startWorker = (host: string, env: Record<string, string>) => {
    const cwd = path.join(workdir, host);
    mkdirSync(cwd);
    const worker = spawnTs('src/worker.ts', { ...env, FLEET_ROLLOUT_DATA: path.join(cwd, 'data') }, cwd);
    workers.push(worker);
    return worker;
  };

  it('one killed with SIGKILL: the other finishes the rollout, every device updated by exactly one command', async () => {
    const { url } = await engine.freshLocation();
    const env = workerEnv('scale-out', url!);
    const client = await RolloutClient.connect(loadConfig({ ...process.env, ...env }));
    try {
      const first = startWorker('host-a', env);
      const plan = planFor('scale-out', {
        stages: [
          { name: 'canary', devices: 10, monitorWindow: '1 minute' },
          { name: 'wave', devices: 30, monitorWindow: '1 minute' },
        ],
        defaults: { batchSize: 10, batchGap: '1 minute' },
      });
      await client.start({ plan, speedup: 60 });

      // The first worker has work of its own in flight before the second joins and before it dies.
      await waitFor(() => fleet.commandLog.length >= 5, 'the first updates', 120_000);
      startWorker('host-b', env);
      await waitFor(() => fleet.commandLog.length >= 15, 'updates to reach the wave stage', 120_000);
      const inFlight = [...fleet.acceptedCommands().keys()].filter((id) => fleet.device(id).firmwareVersion !== '2.0.0');
      assert.ok(inFlight.length > 0, 'some devices are mid-update when the worker dies');
      first.kill('SIGKILL');
      await exitOf(first);

      const report = await client.result(plan.rolloutId);

      assert.equal(report.state, 'completed');
      assert.deepEqual(report.stages.map((stage) => stage.counts.succeeded), [10, 30]);
      const commands = fleet.acceptedCommands();
      assert.equal(commands.size, 40);
      assert.deepEqual([...commands.entries()].filter(([, count]) => count !== 1), [], 'every device received exactly one update command that created an operation');
      assert.ok(generateDevices({ count: 40 }).every((device) => fleet.device(device.id).firmwareVersion === '2.0.0'));
    } finally {
      await client.close();
    }
  });

  it('the database unreachable mid-rollout: activities retry, and the rollout completes with one update command per device', async () => {
    const { url } = await engine.freshLocation();
    const database = new URL(url!);
    const proxy = await tcpProxy({ host: database.hostname, port: Number(database.port) });
    database.port = String(proxy.port);
    const env = workerEnv('ledger-outage', database.toString());
    const client = await RolloutClient.connect(loadConfig({ ...process.env, ...env }));
    try {
      const worker = startWorker('host-c', env);
      let logs = '';
      worker.stdout!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
      worker.stderr!.on('data', (chunk: Buffer) => (logs += chunk.toString()));
      const { plan, sentBefore } = await startSecondRollout(client, fleet, 'ledger-outage');
      proxy.cut();
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      proxy.restore();
      const report = await client.result(plan.rolloutId);

      assert.equal(report.state, 'completed');
      assert.equal(report.stages[0]!.counts.succeeded, 40);
      const perDevice = updatesPerDevice(fleet, sentBefore);
      assert.equal(perDevice.size, 40);
      assert.deepEqual([...perDevice].filter(([, count]) => count !== 1), [], 'one update command per device across the outage');
      assert.match(logs, /(Connection terminated|ECONNREFUSED|ECONNRESET).*"msg":"Activity failed"/, 'an activity met the outage and was retried');
    } finally {
      await client.close();
      await proxy.close();
    }
  });
});
