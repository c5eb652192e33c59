import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { RolloutClient } from '../../src/client';
import { loadConfig } from '../../src/config';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import type { RolloutStatus } from '../../src/engine/model/status';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { serveFleet, type ServedFleet } from '../../rig/fleet/serveFleet';
import { writeTestTrustedKeys } from '../helpers/artifacts';
import { planFor } from '../helpers/fixtures';
import { exitOf, freePort, runRolloutCli, spawnTs, waitFor } from '../helpers/processes';
import { localEnv, uniqueTaskQueue } from '../helpers/temporal';

const UI_ORIGIN = 'http://localhost:8233';

/** Every payload in a history, wherever the event keeps it (inputs, results, details, heartbeats, user metadata). */
function payloadsIn(value: unknown, found: Payload[] = []): Payload[] {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
  if ('data' in value && value.data instanceof Uint8Array && 'metadata' in value) found.push(value as Payload);
  else for (const child of Object.values(value)) payloadsIn(child, found);
  return found;
}

/** The history of a workflow and of its children, theirs too, as stored: read by a client without the codec. */
async function historiesFrom(client: Client, workflowId: string): Promise<temporal.api.history.v1.IHistory[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const children = (history.events ?? []).flatMap((event) => event.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId ?? []);
  return [history, ...(await Promise.all(children.map((child) => historiesFrom(client, child)))).flat()];
}

const base64 = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString('base64');

/**
 * A rollout with the codec on, on a real dev server: a worker process with FLEET_ROLLOUT_CODEC_KEY
 * and its codec server, the client and the CLI with the same key; the history read without the key.
 */
describe('the payload codec on a dev server (worker process, client, CLI, codec server)', () => {
  const workdir = mkdtempSync(path.join(tmpdir(), 'codec-'));
  const devices = generateDevices({ count: 4 }).map((device, index) => ({ ...device, id: `gw-codec-secret-${index}` }));
  const fleet = new MemoryFleet({ devices, phases: { queued: 20, downloading: 50, downloaded: 20, installing: 30, rebooting: 30 } });
  let served: ServedFleet;
  let worker: ChildProcess;
  let env: Record<string, string>;
  let codecUrl: string;

  before(async () => {
    const server = await localEnv();
    served = await serveFleet({ fleet });
    const codecPort = await freePort();
    codecUrl = `http://127.0.0.1:${codecPort}/codec`;
    env = {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: uniqueTaskQueue('codec'),
      FLEET_URL: served.url,
      FLEET_ROLLOUT_DATA: path.join(workdir, 'data'),
      FIRMWARE_TRUSTED_KEYS_FILE: writeTestTrustedKeys(workdir),
      LOG_LEVEL: 'warn',
      FLEET_ROLLOUT_CODEC_KEY: `test-1:${randomBytes(32).toString('base64')}`,
      CODEC_ADDRESS: `127.0.0.1:${codecPort}`,
    };
    worker = spawnTs('src/worker.ts', env);
    await waitFor(() => fetch(`${codecUrl}/decode`, { method: 'POST', body: '{"payloads":[]}', headers: { 'content-type': 'application/json' } }).then((response) => response.ok, () => false), 'the worker to serve its codec');
  });

  after(async () => {
    worker?.kill('SIGTERM');
    if (worker) await exitOf(worker);
    await served?.close();
  });

  const decode = (payloads: Payload[], origin = UI_ORIGIN): Promise<Response> =>
    fetch(`${codecUrl}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin, 'x-namespace': 'default' },
      body: JSON.stringify({ payloads: payloads.map(({ metadata, data }) => ({ metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([key, value]) => [key, base64(value)])), data: base64(data) })) }),
    });

  it('keeps plan and device ids out of the stored history, completes, and reads back through the CLI and the codec server', async () => {
    const plan = planFor('codec', { stages: [{ name: 'wave', devices: 4, monitorWindow: '1 minute' }], defaults: { batchSize: 2, batchGap: '1 minute' } });
    const client = await RolloutClient.connect(loadConfig({ ...process.env, ...env }));
    try {
      await client.start({ plan, speedup: 600, startedBy: 'ci' });
      // Targets stay in the ledger; device ids reach the history in what operators write, such as a reason.
      await client.pause(plan.rolloutId, { by: 'alice', reason: `${devices[0]!.id} reboots in a loop` });
      await client.resume(plan.rolloutId, { by: 'alice', reason: 'a bad power supply, not the firmware' });
      assert.equal((await client.result(plan.rolloutId)).state, 'completed');
    } finally {
      await client.close();
    }

    const { client: withoutKey } = await localEnv();
    const handle = withoutKey.workflow.getHandle(rolloutWorkflowId(plan.rolloutId));
    const histories = await historiesFrom(withoutKey, handle.workflowId);
    assert.ok(histories.length > 1, 'the stages run as child workflows');
    const stored = Buffer.concat(histories.map((history) => temporal.api.history.v1.History.encode(history).finish()));
    for (const secret of [plan.firmware.url, devices[0]!.id, 'gw-codec-secret']) assert.ok(!stored.includes(secret), `${secret} is in the stored history`);
    await assert.rejects(handle.query('status'), /encoding/i, 'a client without the key cannot read the status');

    const payloads = histories.flatMap((history) => payloadsIn(history));
    assert.ok(payloads.length > 5, `${payloads.length} payloads in the history`);
    const response = await decode(payloads);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.equal(response.headers.get('access-control-allow-credentials'), 'true');
    const decoded = ((await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
    assert.equal(decoded.length, payloads.length);
    assert.equal(Buffer.from(decoded[0]!.metadata.encoding!, 'base64').toString(), 'json/plain');
    const plainText = decoded.map((payload) => Buffer.from(payload.data, 'base64').toString()).join('\n');
    for (const secret of [plan.firmware.url, devices[0]!.id]) assert.ok(plainText.includes(secret), `${secret} decodes from the history`);

    const status = await runRolloutCli(env, 'status', plan.rolloutId, '--json');
    assert.equal(status.code, 0, status.stderr);
    assert.equal((JSON.parse(status.stdout) as RolloutStatus).state, 'completed');
    const { FLEET_ROLLOUT_CODEC_KEY: _key, ...keyless } = env;
    const refused = await runRolloutCli(keyless, 'status', plan.rolloutId);
    assert.notEqual(refused.code, 0, 'the CLI without the key cannot read the status');
    assert.match(refused.stderr, /encoding/i);
  });

  it('answers the Web UI\'s preflight, and no other origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${codecUrl}/decode`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
    const ui = await preflight(UI_ORIGIN);
    assert.equal(ui.status, 204);
    assert.equal(ui.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.equal(ui.headers.get('access-control-allow-credentials'), 'true');
    assert.match(ui.headers.get('access-control-allow-headers') ?? '', /X-Namespace/i);
    assert.equal((await preflight('http://evil.example')).headers.get('access-control-allow-origin'), null);
    assert.equal((await decode([], 'http://evil.example')).headers.get('access-control-allow-origin'), null);
  });

  it('refuses a body that is not a list of payloads, saying what to send', async () => {
    const response = await fetch(`${codecUrl}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payloads: [{ data: 'not base64!' }] }) });
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /payloads\[0\]\.data: data is base64/);
  });
});
