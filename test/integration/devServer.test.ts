import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadDevConfig, startDevServer, type RunningDevServer } from '../../rig/devenv/devConfig';
import { ensureTemporalCli, ensureTestServer } from '../../rig/devenv/temporalBinaries';

// A first run on a fresh machine builds the CLI from source, which takes minutes.
const INSTALL_TIMEOUT_MS = 15 * 60_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

describe('local Temporal dev server from temporal-dev.yml', function () {
  this.timeout(120_000);
  let tempDir: string;
  let server: RunningDevServer | undefined;

  before(async function () {
    this.timeout(INSTALL_TIMEOUT_MS);
    await ensureTemporalCli();
    tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-rollout-devserver-'));
  });

  after(async () => {
    await server?.stop();
    fs.rmSync(tempDir, { recursive: true, force: true });
  });

  it('starts on free ports with a temp db file and registers the custom search attributes', async () => {
    const config = loadDevConfig();
    server = await startDevServer({
      config,
      port: await freePort(),
      headless: true,
      dbFile: path.join(tempDir, 'dev.db'),
      logFile: path.join(tempDir, 'dev-server.log'),
    });
    assert.ok(fs.existsSync(path.join(tempDir, 'dev.db')));

    const connection = await Connection.connect({ address: server.address });
    try {
      const { namespace } = server;
      const described = await connection.workflowService.describeNamespace({ namespace });
      assert.equal(described.namespaceInfo?.name, 'default');

      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
      const keyword = encodeSearchAttributeIndexedValueType('KEYWORD');
      for (const name of Object.keys(config.searchAttributes)) assert.equal(customAttributes[name], keyword, name);
    } finally {
      await connection.close();
    }

    await server.stop();
    assert.equal(await Promise.race([server.exited.then(() => 'exited'), new Promise((r) => setTimeout(r, 100, 'running'))]), 'exited');
    server = undefined;
  });
});

describe('time-skipping test server from Maven', function () {
  this.timeout(60_000);
  let testServer: string;
  let env: TestWorkflowEnvironment | undefined;

  before(async function () {
    this.timeout(INSTALL_TIMEOUT_MS);
    testServer = await ensureTestServer();
  });

  after(async () => {
    await env?.teardown();
  });

  it('starts through the SDK and skips an hour at once', async () => {
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: testServer } },
    });
    assert.ok(env.supportsTimeSkipping);
    const before = await env.currentTimeMs();
    const started = Date.now();
    await env.sleep('1 hour');
    assert.ok(Date.now() - started < 5_000, 'sleep should not take wall-clock time');
    const skipped = (await env.currentTimeMs()) - before;
    assert.ok(skipped >= 3_600_000 && skipped < 3_660_000, `server time should move one hour, moved ${skipped} ms`);
  });
});
