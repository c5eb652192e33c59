import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { RolloutClient } from '../../src/client';
import { FailureType } from '../../src/engine/model/failures';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import { resolveRollout, type ResolvedRolloutInput } from '../../src/engine/model/rollout';
import { InvalidInputError } from '../../src/engine/model/validation';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { rolloutWorkflow } from '../../src/engine/workflows';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { repoRoot } from '../helpers/processes';
import { localEnv, withWorker } from '../helpers/temporal';

const badPlan = () =>
  planFor('bad', { stages: [{ name: 'canary', devices: 5 }, { name: 'pilot', devices: 20, batchGap: 'twenty minutes' as never }] });

describe('an invalid plan', () => {
  it('is refused by the client before anything starts, naming the field', async () => {
    const env = await localEnv();
    const fleet = new MemoryFleet({ devices: generateDevices({ count: 25 }) });
    const plan = badPlan();
    await withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue) => {
      const client = new RolloutClient(env.client, taskQueue);
      await assert.rejects(client.start({ plan }), (error: unknown) => {
        assert.ok(error instanceof InvalidInputError);
        assert.match(error.message, /plan\.stages\[1\]\.batchGap: "twenty minutes" is not a duration/);
        return true;
      });
      await assert.rejects(env.client.workflow.getHandle(rolloutWorkflowId(plan.rolloutId)).describe(), WorkflowNotFoundError);
    });
    assert.equal(fleet.commandLog.length, 0, 'no device touched');
  });

  it('fails a workflow started without the client at once, non-retryable, touching no device', async () => {
    const plan = badPlan();
    const message = await refusedByWorkflow(plan.rolloutId, { plan } as unknown as ResolvedRolloutInput);
    assert.match(message, /plan\.stages\[1\]\.batchGap/);
  });

  it('fails a workflow started with an unresolved plan, naming the default the client did not apply', async () => {
    const input = resolveRollout({ plan: planFor('unresolved') });
    const { batchSize: _left, ...defaults } = input.plan.defaults;
    const message = await refusedByWorkflow(input.plan.rolloutId, { ...input, plan: { ...input.plan, defaults } } as unknown as ResolvedRolloutInput);
    assert.match(message, /plan\.defaults\.batchSize: missing: start rollouts through RolloutClient\.start/);
  });

  it('makes `rollout plan` exit with code 2 and say which field of which file to fix', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'plan-')), 'bad.yml');
    writeFileSync(file, 'rolloutId: fw-1\nfirmware: { version: 2.0.0, url: http://x, sha256: abc, sizeBytes: -1 }\nstages: [{ name: canary, devices: 0 }]\n');
    const result = await promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin/rollout.js'), 'plan', file]).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(result.code, 2);
    assert.match(result.stderr, new RegExp(`plan file ${file} is invalid`));
    assert.match(result.stderr, /firmware\.sizeBytes/);
    assert.match(result.stderr, /stages\[0\]\.devices/);
  });
});

/** Runs `input` as given, past the client; returns the failure's message once asserted non-retryable InvalidPlan with no device touched. */
async function refusedByWorkflow(rolloutId: string, input: ResolvedRolloutInput): Promise<string> {
  const env = await localEnv();
  const fleet = new MemoryFleet({ devices: generateDevices({ count: 25 }) });
  let message = '';
  await withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue) => {
    const run = env.client.workflow.execute(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(rolloutId), args: [input] });
    await assert.rejects(run, (error: unknown) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.ok(error.cause instanceof ApplicationFailure);
      assert.equal(error.cause.type, FailureType.InvalidPlan);
      assert.equal(error.cause.nonRetryable, true);
      message = error.cause.message;
      return true;
    });
  });
  assert.equal(fleet.commandLog.length, 0, 'no device touched');
  return message;
}
