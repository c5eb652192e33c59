import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NativeConnection } from '@temporalio/worker';
import { RolloutClient } from '../../src/client';
import { loadConfig } from '../../src/config';
import { localEnv } from '../helpers/temporal';

describe('a TOML connection profile pointing at a dev server', function () {
  this.timeout(120_000);
  let dir: string;

  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'profile-'))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('connects the client and the worker connection to the profile TEMPORAL_PROFILE names', async () => {
    const { address } = await localEnv();
    const file = path.join(dir, 'temporal.toml');
    // The default profile points nowhere: only the named profile can reach the server.
    fs.writeFileSync(file, `[profile.default]\naddress = "127.0.0.1:1"\n\n[profile.dev]\naddress = "${address}"\nnamespace = "default"\n`);
    const config = loadConfig({ HOME: dir, TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'dev' });
    assert.equal(config.temporal.options.address, address);

    const client = await RolloutClient.connect(config);
    const worker = await NativeConnection.connect(config.temporal.options);
    try {
      assert.deepEqual(await client.list({ running: true, taskQueue: 'no-such-queue' }), []);
      const info = await worker.workflowService.getSystemInfo({});
      assert.ok(info.serverVersion, 'the server answers with its version');
    } finally {
      await Promise.all([client.close(), worker.close()]);
    }
  });
});
