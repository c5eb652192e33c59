import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../src/engine/model/failures';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import type { PlanInput } from '../../src/engine/model/plan';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { rolloutWorkflow } from '../../src/engine/workflows';
import { firmware, planFor, temporaryLedger } from '../helpers/fixtures';
import { timeSkippingEnv, withWorker } from '../helpers/temporal';
import { resolveRollout } from '../../src/engine/model/rollout';

async function rejectedWith(firmwareOverrides: Partial<PlanInput['firmware']>): Promise<{ type: string | undefined; commands: number }> {
  const env = await timeSkippingEnv();
  const fleet = new MemoryFleet({ devices: generateDevices({ count: 5 }) });
  const plan = planFor('integrity', { firmware: { ...firmware(), ...firmwareOverrides }, stages: [{ name: 'canary', devices: 5 }] });
  return withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue) => {
    const run = env.client.workflow.execute(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [resolveRollout({ plan })] });
    const error = await run.then(() => undefined, (failure: unknown) => failure);
    assert.ok(error instanceof WorkflowFailedError, 'the rollout fails');
    const cause = error.cause?.cause;
    assert.ok(cause instanceof ApplicationFailure);
    assert.equal(cause.nonRetryable, true);
    return { type: cause.type ?? undefined, commands: fleet.commandLog.length };
  });
}

describe('firmware integrity, checked before any device is touched (time skipping)', () => {
  it('refuses an image whose SHA-256 does not match', async () => {
    const { type, commands } = await rejectedWith({ sha256: firmware('9.9.9').sha256 });
    assert.equal(type, FailureType.ArtifactHashMismatch);
    assert.equal(commands, 0);
  });

  it('refuses an image signed by another key', async () => {
    const { type, commands } = await rejectedWith({ signature: firmware('9.9.9').signature, sha256: firmware().sha256 });
    assert.equal(type, FailureType.ArtifactSignatureInvalid);
    assert.equal(commands, 0);
  });

  it('refuses a key the worker does not trust', async () => {
    const { type, commands } = await rejectedWith({ keyId: 'someone-else' });
    assert.equal(type, FailureType.ArtifactKeyUnknown);
    assert.equal(commands, 0);
  });
});
