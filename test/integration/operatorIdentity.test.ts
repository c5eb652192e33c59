import assert from 'node:assert/strict';
import { RolloutClient } from '../../src/client';
import { loadConfig } from '../../src/config';
import { operatorMessages } from '../../src/engine/workflows/messages';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import type { AuditEntry } from '../../src/engine/model/status';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { waitFor } from '../helpers/processes';
import { localEnv, withWorker } from '../helpers/temporal';

/** An API key as a JWT authorizer reads it; the dev server has no authorizer and lets it through unchecked. */
const apiKey = (subject: string): string => [{ alg: 'none' }, { sub: subject }].map((part) => Buffer.from(JSON.stringify(part)).toString('base64url')).join('.') + '.unsigned';

describe('the identity of the connection in the audit trail (dev server)', () => {
  it('stamps the API key the client connected with on the start and each steering action; a signal without it has none', async () => {
    const env = await localEnv();
    const fleet = new MemoryFleet({ devices: generateDevices({ count: 10 }), phases: { queued: 20, downloading: 100, downloaded: 20, installing: 50, rebooting: 50 } });
    const plan = planFor('identity', { stages: [{ name: 'wave', devices: 10, monitorWindow: '1 hour' }], defaults: { batchSize: 5, batchGap: '1 hour' } });
    await withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue) => {
      // TLS off: the dev server speaks plain gRPC, and an API key turns TLS on unless told otherwise.
      const config = loadConfig({ TEMPORAL_ADDRESS: env.address, TEMPORAL_API_KEY: apiKey('release-bot@ci'), TEMPORAL_TLS: 'false', TEMPORAL_TASK_QUEUE: taskQueue });
      const client = await RolloutClient.connect(config);
      try {
        await client.start({ plan, speedup: 600, startedBy: 'ci' });
        const paused = await client.pause(plan.rolloutId, { by: 'alice', reason: 'checking a crash report' });
        const identity = { source: 'api-key', name: 'release-bot@ci' };
        assert.deepEqual(paused.accepted.identity, identity);

        await env.client.workflow.getHandle(rolloutWorkflowId(plan.rolloutId)).signal(operatorMessages.resume.signal, { by: 'bob@web-ui' });
        await waitFor(async () => (await client.status(plan.rolloutId)).state !== 'paused', 'the resume signal');
        await client.abort(plan.rolloutId, { by: 'alice', reason: 'done looking' });

        const trail = (await client.status(plan.rolloutId)).audit.map(({ action, by, identity: who }: AuditEntry) => ({ action, by, ...(who ? { identity: who } : {}) }));
        assert.deepEqual(trail, [
          { action: 'start', by: 'ci', identity },
          { action: 'pause', by: 'alice', identity },
          { action: 'resume', by: 'bob@web-ui' },
          { action: 'abort', by: 'alice', identity },
        ]);
      } finally {
        await client.close();
      }
    });
  });
});
