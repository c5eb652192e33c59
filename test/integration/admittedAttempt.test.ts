import assert from 'node:assert/strict';
import { RolloutClient } from '../../src/client';
import type { OperationAdmission } from '../../src/engine/ports/operationAdmission';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { localEnv, withWorker } from '../helpers/temporal';

const PHASES = { queued: 50, downloading: 200, downloaded: 50, installing: 200, rebooting: 200 };

/** A service whose adaptive limit stays at `limit` operations in flight: an attempt sends its group's commands a few at a time. */
function admissionOf(limit: number): OperationAdmission {
  const state = { limit, inFlight: 0 };
  return {
    state,
    tryAdmit: (wanted) => {
      const admitted = Math.min(wanted, limit - state.inFlight);
      state.inFlight += admitted;
      return admitted;
    },
    release: (count) => {
      state.inFlight -= count;
    },
  };
}

describe('an update attempt under the adaptive limit (dev server)', () => {
  it('waits for the operations of commands it sends late, instead of ending with their devices unheard of', async () => {
    const env = await localEnv();
    const fleet = new MemoryFleet({ devices: generateDevices({ count: 6 }), phases: PHASES });
    const plan = planFor('admitted-late', {
      stages: [{ name: 'all', devices: 6, monitorWindow: '1 minute' }],
      defaults: { batchSize: 6, maxConcurrent: 6, queueDepthLimit: 6, targetLoadPercent: 45 },
    });
    const ledger = await temporaryLedger();
    const report = await withWorker(env, { fleet, ledger, admission: admissionOf(2) }, async (taskQueue) => {
      const client = new RolloutClient(env.client, taskQueue);
      await client.start({ plan, speedup: 600 });
      return client.result(plan.rolloutId);
    });
    assert.deepEqual([report.state, report.stages[0]!.counts], ['completed', { pending: 0, succeeded: 6, failed: 0, deferred: 0, rolled_back: 0, excluded: 0 }]);
    const outcomes = await ledger.outcomes(plan.rolloutId);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.attempts),
      Array(6).fill(1),
      'every device succeeded on its first attempt',
    );
  });
});
