import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
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
import { exitOf, freePort, spawnTs, waitFor } from '../helpers/processes';

describe('a worker killed with SIGKILL, or the Temporal server stopped, in the middle of a rollout (dev server, persisted database)', () => {
  const workdir = mkdtempSync(path.join(tmpdir(), 'restart-'));
  let server: RunningDevServer;
  let serverPort: number;
  let served: ServedFleet;
  const workers: ChildProcess[] = [];
  const fleet = slowlyUpdatingFleet(40);
  const startServer = async () =>
    (server = await startDevServer({ port: serverPort, headless: true, dbFile: path.join(workdir, 'dev.db'), logFile: path.join(workdir, 'server.log') }));

  before(async () => {
    serverPort = await freePort();
    await startServer();
    served = await serveFleet({ fleet });
  });

  after(async () => {
    workers.forEach((worker) => worker.kill('SIGKILL'));
    await served?.close();
    await server?.stop();
  });

  const workerEnv = (taskQueue: string) => ({
    FIRMWARE_TRUSTED_KEYS_FILE: writeTestTrustedKeys(workdir),
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_TASK_QUEUE: `${taskQueue}-${process.pid}`,
    FLEET_URL: served.url,
    FLEET_ROLLOUT_DATA: path.join(workdir, 'data'),
    LOG_LEVEL: 'warn',
  });

  it('finishes the rollout on a new worker, and no device is sent a second update', async () => {
    const env = workerEnv('restart');
    const startWorker = () => {
      const worker = spawnTs('src/worker.ts', env);
      workers.push(worker);
      return worker;
    };
    const client = await RolloutClient.connect(loadConfig({ ...process.env, ...env }));
    try {
      const plan = planFor('restart', {
        stages: [
          { name: 'canary', devices: 10, monitorWindow: '1 minute' },
          { name: 'wave', devices: 30, monitorWindow: '1 minute' },
        ],
        defaults: { batchSize: 10, batchGap: '1 minute' },
      });
      const first = startWorker();
      await client.start({ plan, speedup: 60 });

      await waitFor(() => fleet.commandLog.length >= 15, 'updates to reach the wave stage', 120_000);
      const inFlight = [...fleet.acceptedCommands().keys()].filter((id) => fleet.device(id).firmwareVersion !== '2.0.0');
      assert.ok(inFlight.length > 0, 'some devices are mid-update when the worker dies');
      first.kill('SIGKILL');
      await exitOf(first);

      startWorker();
      const report = await client.result(plan.rolloutId);

      assert.equal(report.state, 'completed');
      assert.deepEqual(report.stages.map((stage) => stage.counts.succeeded), [10, 30]);
      const commands = fleet.acceptedCommands();
      assert.equal(commands.size, 40);
      const repeated = [...commands.entries()].filter(([, count]) => count !== 1);
      assert.deepEqual(repeated, [], 'every device received exactly one update command that created an operation');
      assert.ok(generateDevices({ count: 40 }).every((device) => fleet.device(device.id).firmwareVersion === '2.0.0'));
    } finally {
      await client.close();
    }
  });

  it('finishes the rollout after the server restarts on its database, the worker reconnecting, and no device is sent a second update', async () => {
    const env = workerEnv('server-restart');
    const worker = spawnTs('src/worker.ts', env);
    workers.push(worker);
    const client = await RolloutClient.connect(loadConfig({ ...process.env, ...env }));
    try {
      const { plan, sentBefore } = await startSecondRollout(client, fleet, 'server-restart');
      const sent = new Set(fleet.commandLog.slice(sentBefore).map((command) => command.deviceId));
      assert.ok(sent.size < 40, 'the server stops before every device was sent its update');

      await server.stop();
      await startServer();
      const report = await client.result(plan.rolloutId);

      assert.equal(report.state, 'completed');
      assert.equal(report.stages[0]!.counts.succeeded, 40);
      const perDevice = updatesPerDevice(fleet, sentBefore);
      assert.equal(perDevice.size, 40);
      assert.deepEqual([...perDevice].filter(([, count]) => count !== 1), [], 'one update command per device across the restart');
    } finally {
      await client.close();
    }
  });
});
