import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { InvalidInputError, parseOrThrow } from '../../src/engine/model/validation';
import { readPlanFile } from '../../src/client/planFile';
import { planSchemaFor } from '../../src/engine/model/planKind';
import { BAD_FLAG_PLANS, BAD_PLANS } from '../helpers/badPlans';
import { repoRoot } from '../helpers/processes';

describe('plans that cannot run', () => {
  it('are at least 100, each with a name of its own', () => {
    assert.ok(BAD_PLANS.length >= 100, `${BAD_PLANS.length} bad plans`);
    assert.equal(new Set(BAD_PLANS.map((bad) => bad.name)).size, BAD_PLANS.length);
  });

  for (const bad of [...BAD_PLANS, ...BAD_FLAG_PLANS]) {
    it(`refuses ${bad.name} at ${bad.path}, saying what would be valid`, () => {
      assert.throws(
        () => parseOrThrow(planSchemaFor(bad.plan), bad.plan, 'plan'),
        (error: unknown) => {
          assert.ok(error instanceof InvalidInputError);
          assert.deepEqual(error.issues.map((issue) => issue.path), [bad.path], error.message);
          assert.match(error.issues[0]!.message, bad.fix);
          return true;
        },
      );
    });
  }

  it('leaves every plan in plans/ valid, of either kind', async () => {
    const files = readdirSync(path.join(repoRoot, 'plans')).filter((file) => file.endsWith('.yml'));
    assert.ok(files.length >= 5);
    const kinds = await Promise.all(files.map(async (file) => (await readPlanFile(path.join(repoRoot, 'plans', file))).kind ?? 'firmware'));
    assert.deepEqual([...new Set(kinds)].sort(), ['firmware', 'flag']);
  });
});
