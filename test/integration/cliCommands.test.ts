import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExitCode } from '../../src/cli/main';
import { loadConfig } from '../../src/config';
import type { OperatorAck } from '../../src/engine/workflows/messages';
import type { AnyPlanInput } from '../../src/engine/model/planKind';
import type { RolloutStatus } from '../../src/engine/model/status';
import type { DeviceDetail, DevicePage } from '../../src/adapters/deviceApi/deviceDetail';
import type { RolloutListing, RolloutReportView } from '../../src/client';
import { RolloutClient } from '../../src/client';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { serveFleet, type ServedFleet } from '../../rig/fleet/serveFleet';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { RolloutMetric } from '../../src/engine/model/metricNames';
import { firmware, flagPlanFor, planFor } from '../helpers/fixtures';
import { writeTestTrustedKeys } from '../helpers/artifacts';
import { exitOf, freePort, runRolloutCli, spawnTs, waitFor, type CliRun } from '../helpers/processes';
import { localEnv, uniqueTaskQueue } from '../helpers/temporal';

/**
 * The `rollout` CLI as a release script runs it: one process per command against a real worker
 * process (with its metrics and device API) and the dev server; JSON parsed, exit codes checked.
 */
describe('the rollout CLI against a running rollout (dev server, worker process)', () => {
  const workdir = mkdtempSync(path.join(tmpdir(), 'cli-'));
  const fleet = new MemoryFleet({ devices: generateDevices({ count: 15 }), phases: { queued: 20, downloading: 100, downloaded: 20, installing: 50, rebooting: 50 } });
  let served: ServedFleet;
  let worker: ChildProcess;
  let env: Record<string, string>;
  let metricsUrl: string;

  before(async () => {
    const server = await localEnv();
    served = await serveFleet({ fleet });
    const [metricsPort, devicesPort] = [await freePort(), await freePort()];
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    env = {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('cli'),
      FLEET_URL: served.url,
      FLEET_ROLLOUT_DATA: path.join(workdir, 'data'),
      FIRMWARE_TRUSTED_KEYS_FILE: writeTestTrustedKeys(workdir),
      LOG_LEVEL: 'warn',
      METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      DEVICE_API_ADDRESS: `127.0.0.1:${devicesPort}`,
      DEVICE_API_URL: `http://127.0.0.1:${devicesPort}`,
    };
    worker = spawnTs('src/worker.ts', env);
    await waitFor(() => fetch(metricsUrl).then((response) => response.ok, () => false), 'the worker to serve metrics');
  });

  after(async () => {
    worker?.kill('SIGTERM');
    if (worker) await exitOf(worker);
    await served?.close();
  });

  const rollout = (...args: string[]): Promise<CliRun> => runRolloutCli(env, ...args);
  const json = <T>(run: CliRun, code: number = ExitCode.ok): T => {
    assert.equal(run.code, code, `exit ${run.code}, stderr: ${run.stderr}`);
    return JSON.parse(run.stdout) as T;
  };
  const planFile = (plan: AnyPlanInput): string => {
    const file = path.join(workdir, `${plan.rolloutId}.json`);
    writeFileSync(file, JSON.stringify(plan));
    return file;
  };

  it('plans, starts, reads, steers, lists, shows devices, watches and reports, with exit codes scripts can rely on', async () => {
    const plan = planFor('cli', {
      stages: [
        { name: 'canary', devices: 5, monitorWindow: '1 minute' },
        { name: 'wave', devices: 10, monitorWindow: '1 minute', advance: 'manual' },
      ],
      defaults: { batchSize: 5, batchGap: '1 minute' },
    });
    const { rolloutId } = plan;
    const file = planFile(plan);

    const summary = json<{ stage: string; advance: string }[]>(await rollout('plan', file, '--json'));
    assert.deepEqual(summary.map((stage) => [stage.stage, stage.advance]), [['canary', 'auto'], ['wave', 'manual']]);
    assert.deepEqual(json(await rollout('start', file, '--speedup', '600', '--by', 'ci', '--json')), { rolloutId, workflowId: `rollout:${rolloutId}` });
    assert.equal((await rollout('start', file)).code, ExitCode.conflict, 'the same rollout twice');

    const client = await RolloutClient.connect(loadConfig({ ...process.env, ...env }));
    try {
      await waitFor(async () => (await client.status(rolloutId)).state === 'awaiting_approval', 'the wave to wait for approval');
      await waitFor(async () => (await client.list({ state: 'awaiting_approval', taskQueue: env.TEMPORAL_TASK_QUEUE })).length === 1, 'visibility');
    } finally {
      await client.close();
    }

    const [status, listed, running, refused, noReason, unknown] = await Promise.all([
      rollout('status', rolloutId, '--json'),
      rollout('list', '--state', 'awaiting_approval', '--json'),
      rollout('report', rolloutId, '--json'),
      rollout('resume', rolloutId, '--reason', 'go'),
      rollout('pause', rolloutId),
      rollout('status', 'no-such-rollout'),
    ]);
    const waiting = json<RolloutStatus>(status);
    assert.deepEqual([waiting.state, waiting.currentStage, waiting.pendingDecision?.kind, waiting.devices.succeeded], ['awaiting_approval', 'wave', 'approve_stage', 5]);
    assert.ok(json<RolloutListing[]>(listed).some((row) => row.rolloutId === rolloutId && row.state === 'awaiting_approval' && row.firmwareVersion === '2.0.0'));
    assert.equal(json<RolloutReportView>(running, ExitCode.stillRunning).execution, 'RUNNING');
    assert.deepEqual([refused.code, refused.stderr.trim()], [ExitCode.rejected, `resume refused by rollout ${rolloutId}: the rollout is not paused (it is awaiting_approval)`]);
    assert.equal(noReason.code, ExitCode.invalidInput);
    assert.match(noReason.stderr, /required option '--reason <text>'/);
    assert.equal(unknown.code, ExitCode.notFound);

    assert.equal(json<OperatorAck>(await rollout('pause', rolloutId, '--reason', 'checking dashboards', '--by', 'alice', '--json')).state, 'paused');
    assert.equal(json<OperatorAck>(await rollout('approve', rolloutId, '--stage', 'wave', '--by', 'alice', '--json')).accepted.stage, 'wave');
    assert.equal(json<OperatorAck>(await rollout('resume', rolloutId, '--by', 'alice', '--json')).state, 'running');

    const [succeeded, oneDevice, noDevices] = await Promise.all([
      rollout('devices', rolloutId, '--state', 'succeeded', '--stage', 'canary', '--json'),
      rollout('devices', rolloutId, '--device', 'gw-00001', '--json'),
      rollout('devices', 'no-such-rollout'),
    ]);
    assert.deepEqual(json<DevicePage>(succeeded).devices.map((device) => device.deviceId), ['gw-00001', 'gw-00002', 'gw-00003', 'gw-00004', 'gw-00005']);
    assert.deepEqual(
      (({ deviceId, stage, state, fromVersion }) => ({ deviceId, stage, state, fromVersion }))(json<DeviceDetail>(oneDevice)),
      { deviceId: 'gw-00001', stage: 'canary', state: 'succeeded', fromVersion: '1.0.0' },
    );
    assert.equal(noDevices.code, ExitCode.notFound);

    const watched = await rollout('watch', rolloutId, '--json', '--interval', '200');
    assert.equal(watched.code, ExitCode.ok, watched.stderr);
    const states = watched.stdout.trim().split('\n').map((line) => (JSON.parse(line) as RolloutStatus).state);
    assert.equal(states.at(-1), 'completed');
    const report = json<RolloutReportView>(await rollout('report', rolloutId, '--json'));
    assert.deepEqual([report.execution, report.result?.state, report.status.audit.map((entry) => entry.action)], ['COMPLETED', 'completed', ['start', 'pause', 'approve', 'resume']]);
    assert.equal((await rollout('rollback', rolloutId, '--reason', 'too late')).code, ExitCode.rejected);

    const metrics = await (await fetch(metricsUrl)).text();
    assert.match(metrics, new RegExp(`${RolloutMetric.devices}\\{[^}]*rollout_id="${rolloutId}"[^}]*state="succeeded"[^}]*\\} 15`));
    assert.match(metrics, new RegExp(`${RolloutMetric.decisions}\\{[^}]*action="approve"[^}]*rollout_id="${rolloutId}"[^}]*source="operator"[^}]*\\} 1`));
    assert.match(metrics, new RegExp(`${RolloutMetric.batchSuccessRatio}\\{[^}]*stage="wave"[^}]*\\} 1`));
    assert.match(metrics, new RegExp(`${RolloutMetric.operationsInFlight}\\{[^}]*\\} 0`), 'every update that started has ended');
    assert.match(metrics, new RegExp(`${RolloutMetric.state}\\{[^}]*rollout_id="${rolloutId}"[^}]*state="completed"[^}]*\\} 1`));
    assert.match(metrics, new RegExp(`${RolloutMetric.state}\\{[^}]*rollout_id="${rolloutId}"[^}]*state="paused"[^}]*\\} 0`), 'a state left is set back to 0');
    assert.match(metrics, /temporal_workflow_completed\{/, "the SDK's own metrics share the endpoint");
  });

  it('ends `report --wait` with its own exit code when the rollout did not complete', async () => {
    const plan = planFor('cli-abort', { firmware: firmware('2.0.1'), stages: [{ name: 'all', devices: 15, monitorWindow: '1 minute' }], defaults: { batchSize: 5, batchGap: '10 minutes' } });
    json(await rollout('start', planFile(plan), '--speedup', '600', '--json'));
    json(await rollout('abort', plan.rolloutId, '--reason', 'wrong build', '--json'));
    const report = json<RolloutReportView>(await rollout('report', plan.rolloutId, '--wait', '--json'), ExitCode.notCompleted);
    assert.equal(report.result?.state, 'aborted');
  });

  it('plans and runs a flag plan: `--wait` reports the flag, `devices` each target’s previous value', async () => {
    const plan = flagPlanFor('cli-flag', { stages: [{ name: 'all', percent: 100, monitorWindow: '1 minute' }], defaults: { batchSize: 5, batchGap: '1 minute' } });
    const file = planFile(plan);
    assert.deepEqual(
      json<{ stage: string }[]>(await rollout('plan', file, '--fleet-size', '15', '--json')).map((stage) => stage.stage),
      ['all'],
    );
    const run = await rollout('start', file, '--speedup', '600', '--wait');
    assert.equal(run.code, ExitCode.ok, run.stderr);
    assert.match(run.stdout.split('\n')[0]!, new RegExp(`^${plan.rolloutId}  flag new_sensor_algorithm = true  completed`));
    const devices = json<DevicePage>(await rollout('devices', plan.rolloutId, '--json')).devices;
    assert.equal(devices.length, 15);
    assert.ok(devices.every((device) => device.fromFlag === false && device.state === 'succeeded'));
    assert.ok(fleet.acceptedCommands('flag').size === 15 && [...fleet.acceptedCommands('flag').values()].every((count) => count === 1));
  });
});
