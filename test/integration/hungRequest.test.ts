import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpFleet } from '../../src/adapters/fleet/httpFleet';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import { resolveRollout } from '../../src/engine/model/rollout';
import { rolloutWorkflow } from '../../src/engine/workflows';
import { statusQuery } from '../../src/engine/workflows/messages';
import { FaultInjector } from '../../rig/fleet/faultInjector';
import { FAST_PHASES, MemoryFleet } from '../../rig/fleet/memoryFleet';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { serveFleet } from '../../rig/fleet/serveFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { localEnv, withWorker } from '../helpers/temporal';

/**
 * A status request the fleet holds for 20 s, at 600× (a 60-second health interval polls every 100 ms,
 * so the heartbeat timeout is at its floor), with a plan that allows one attempt per device: the
 * request must be cut and sent again within the activity's heartbeat, not burn the device's one attempt.
 */
describe('a hung fleet request during an update (dev server, HTTP fleet)', () => {
  it('is cut and retried inside one activity attempt, and the devices succeed', async () => {
    const env = await localEnv();
    const fleet = new MemoryFleet({ devices: generateDevices({ count: 3 }), phases: FAST_PHASES });
    const faults = new FaultInjector();
    const served = await serveFleet({ fleet, faults });
    try {
      const plan = planFor('hung-request', {
        stages: [{ name: 'canary', devices: 3, monitorWindow: 0 }],
        defaults: { batchSize: 3 },
        retry: { maximumAttempts: 1 },
        health: { measureBaseline: false },
      });
      const input = resolveRollout({ plan, speedup: 600 });
      const httpFleet = new HttpFleet({ baseUrl: served.url });
      const counts = await withWorker(env, { fleet: httpFleet, ledger: await temporaryLedger() }, async (taskQueue) => {
        faults.inject('deviceStatus', { kind: 'hang', ms: 20_000 });
        const handle = await env.client.workflow.start(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [input] });
        try {
          for (let waited = 0; waited < 90_000; waited += 250) {
            const { devices } = await handle.query(statusQuery);
            if (devices.succeeded + devices.failed === 3) return devices;
            await sleep(250);
          }
          throw new Error('the canary batch did not end in 90 s');
        } finally {
          await handle.terminate('test over');
        }
      });
      assert.equal(faults.take('deviceStatus'), undefined, 'the hang was served');
      assert.deepEqual({ succeeded: counts.succeeded, failed: counts.failed }, { succeeded: 3, failed: 0 });
    } finally {
      await served.close();
    }
  });
});
