import assert from 'node:assert/strict';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RolloutClient } from '../../src/client';
import { loadConfig } from '../../src/config';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { serveFleet, type ServedFleet } from '../../rig/fleet/serveFleet';
import { writeTestTrustedKeys } from '../helpers/artifacts';
import { planFor } from '../helpers/fixtures';
import { otlpCollector, type OtlpCollector, type ReceivedSpan } from '../helpers/otlpCollector';
import { exitOf, freePort, repoRoot, spawnTs, waitFor } from '../helpers/processes';
import { localEnv, uniqueTaskQueue } from '../helpers/temporal';

/**
 * Tracing as an operator turns it on: the standard OTEL_* variables for the worker process and the
 * `rollout` CLI, spans sent over OTLP/HTTP to a collector. Neither process is told to flush early:
 * the CLI's span leaves when the client closes, the worker's last ones when it shuts down.
 */
describe('tracing a rollout from `rollout start` to a device update (dev server, worker process, OTLP/HTTP collector)', () => {
  const workdir = mkdtempSync(path.join(tmpdir(), 'tracing-'));
  const fleet = new MemoryFleet({ devices: generateDevices({ count: 4 }), phases: { queued: 20, downloading: 50, downloaded: 20, installing: 30, rebooting: 30 } });
  let collector: OtlpCollector;
  let served: ServedFleet;
  let worker: ChildProcess | undefined;
  let env: Record<string, string>;

  before(async () => {
    const server = await localEnv();
    [collector, served] = await Promise.all([otlpCollector(), serveFleet({ fleet })]);
    const metricsPort = await freePort();
    env = {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('tracing'),
      FLEET_URL: served.url,
      FLEET_ROLLOUT_DATA: path.join(workdir, 'data'),
      FIRMWARE_TRUSTED_KEYS_FILE: writeTestTrustedKeys(workdir),
      LOG_LEVEL: 'warn',
      METRICS_ADDRESS: `127.0.0.1:${metricsPort}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    };
    worker = spawnTs('src/worker.ts', env);
    await waitFor(() => fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((response) => response.ok, () => false), 'the worker to serve metrics');
  });

  after(async () => {
    worker?.kill('SIGTERM');
    if (worker) await exitOf(worker);
    await Promise.all([served?.close(), collector?.close()]);
  });

  const rolloutStart = (file: string): Promise<{ code: number; stderr: string }> =>
    new Promise((resolve) => {
      execFile(process.execPath, [path.join(repoRoot, 'bin/rollout.js'), 'start', file, '--speedup', '600', '--json'], { env: { ...process.env, ...env } }, (error, _stdout, stderr) =>
        resolve({ code: error ? Number(error.code) : 0, stderr }),
      );
    });

  it('links the CLI’s StartWorkflow, the rollout, a stage, a batch and an updateDevices activity in one trace', async () => {
    const plan = planFor('traced', { stages: [{ name: 'all', devices: 4, monitorWindow: '1 minute' }], defaults: { batchSize: 2, batchGap: '1 minute' } });
    const file = path.join(workdir, `${plan.rolloutId}.json`);
    writeFileSync(file, JSON.stringify(plan));

    const started = await rolloutStart(file);
    assert.equal(started.code, 0, started.stderr);
    // This test's own client traces nothing: the test process has no OTEL_* variables.
    const client = await RolloutClient.connect(loadConfig({ ...process.env, TEMPORAL_ADDRESS: env.TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE }));
    try {
      assert.equal((await client.result(plan.rolloutId)).state, 'completed');
    } finally {
      await client.close();
    }
    worker?.kill('SIGTERM');
    await exitOf(worker!);
    worker = undefined;

    const start = collector.spans.find((span) => span.name === 'StartWorkflow:rolloutWorkflow' && span.attributes.temporalWorkflowId === `rollout:${plan.rolloutId}`);
    assert.ok(start, `the CLI's StartWorkflow span arrived (spans: ${[...new Set(collector.spans.map((span) => span.name))].join(', ')})`);
    assert.equal(start.service, 'fleet-rollout-client');
    const trace = collector.spans.filter((span) => span.traceId === start.traceId);
    const byId = new Map(trace.map((span) => [span.spanId, span]));
    const ancestry = (span: ReceivedSpan): ReceivedSpan[] => {
      const parent = span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId);
      return parent ? [span, ...ancestry(parent)] : [span];
    };

    const activities = trace.filter((span) => span.name === 'RunActivity:updateDevices');
    assert.ok(activities.length >= 2, `each of the 2 batches updated its devices in this trace (${activities.length} updateDevices spans)`);
    for (const activity of activities) {
      const chain = ancestry(activity);
      assert.deepEqual(
        chain.filter((span) => span.name.startsWith('RunWorkflow:') || span.name.startsWith('StartWorkflow:')).map((span) => span.name),
        ['RunWorkflow:batchWorkflow', 'RunWorkflow:stageWorkflow', 'RunWorkflow:rolloutWorkflow', 'StartWorkflow:rolloutWorkflow'],
      );
      assert.equal(chain.at(-1), start, 'the chain ends at the CLI’s span, the trace’s root');
      assert.deepEqual([...new Set(chain.slice(0, -1).map((span) => span.service))], ['fleet-rollout-worker']);
    }
  });
});
