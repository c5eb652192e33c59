import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { WorkflowNotFoundError } from '@temporalio/client';
import { RolloutClient } from '../../src/client';
import { ExitCode } from '../../src/cli/main';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import { InvalidInputError } from '../../src/engine/model/validation';
import type { AnyPlanInput } from '../../src/engine/model/planKind';
import { BAD_FLAG_PLANS, BAD_PLANS, type BadPlan } from '../helpers/badPlans';
import { repoRoot } from '../helpers/processes';
import { localEnv, uniqueTaskQueue } from '../helpers/temporal';

/** Every plan of the table, started as release tooling starts one, on a real dev server: refused, naming the field, and nothing started. */
describe('plans that cannot run, started on a dev server', () => {
  it('are refused by RolloutClient.start naming the field and the fix, and no workflow exists afterwards', async () => {
    const env = await localEnv();
    const client = new RolloutClient(env.client, uniqueTaskQueue('bad-plans'));
    for (const bad of [...BAD_PLANS, ...BAD_FLAG_PLANS]) {
      await assert.rejects(client.start({ plan: bad.plan }), (error: unknown) => {
        assert.ok(error instanceof InvalidInputError, `${bad.name}: ${String(error)}`);
        assert.deepEqual(error.issues.map((issue) => issue.path), [`plan.${bad.path}`.replace('plan.(top level)', 'plan')], bad.name);
        assert.match(error.issues[0]!.message, bad.fix, bad.name);
        return true;
      });
    }
    for (const bad of [...BAD_PLANS, ...BAD_FLAG_PLANS]) {
      await assert.rejects(client.handle(bad.plan.rolloutId).describe(), WorkflowNotFoundError, `${bad.name} started a workflow`);
    }
  });

  it('make `rollout start` exit 2 naming the field, and start nothing', async () => {
    const env = await localEnv();
    const workdir = mkdtempSync(path.join(tmpdir(), 'bad-plans-'));
    const crossField = BAD_PLANS.filter((bad) => /threshold|back-off cap|two compatibility rows|percentages that go down/.test(bad.name));
    assert.ok(crossField.length >= 4);
    for (const bad of crossField) {
      const result = await startFromCli(bad, workdir, { TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('bad-plans-cli') });
      assert.equal(result.code, ExitCode.invalidInput, `${bad.name}: ${result.stderr}`);
      assert.ok(result.stderr.includes(`${bad.path}: `), `${bad.name}: ${result.stderr}`);
      assert.match(result.stderr, bad.fix);
      await assert.rejects(env.client.workflow.getHandle(rolloutWorkflowId(bad.plan.rolloutId)).describe(), WorkflowNotFoundError);
    }
  });

  it('make `rollout start` of a bad flag plan exit 2 naming the field, and start nothing', async () => {
    const env = await localEnv();
    const workdir = mkdtempSync(path.join(tmpdir(), 'bad-flag-plans-'));
    for (const bad of BAD_FLAG_PLANS.filter((plan) => plan.plan.kind === 'flag').slice(0, 3)) {
      const result = await startFromCli(bad, workdir, { TEMPORAL_ADDRESS: env.address, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('bad-flag-plans-cli') });
      assert.equal(result.code, ExitCode.invalidInput, `${bad.name}: ${result.stderr}`);
      assert.ok(result.stderr.includes(`${bad.path}: `), `${bad.name}: ${result.stderr}`);
      assert.match(result.stderr, bad.fix);
      await assert.rejects(env.client.workflow.getHandle(rolloutWorkflowId(bad.plan.rolloutId)).describe(), WorkflowNotFoundError);
    }
  });
});

async function startFromCli(bad: BadPlan<AnyPlanInput>, workdir: string, env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const file = path.join(workdir, `${bad.plan.rolloutId}.json`);
  writeFileSync(file, JSON.stringify(bad.plan));
  return promisify(execFile)(process.execPath, [path.join(repoRoot, 'bin/rollout.js'), 'start', file], { env: { ...process.env, ...env } }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => error,
  );
}
