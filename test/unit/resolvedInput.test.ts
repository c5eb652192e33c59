import assert from 'node:assert/strict';
import { resolvedRolloutSchemaFor, resolveRollout } from '../../src/engine/model/rollout';
import { fieldPath } from '../../src/engine/model/validation';
import { flagPlanFor, planFor } from '../helpers/fixtures';

/** The input as it reaches the workflow: resolved by the client, then through a JSON payload. */
const overTheWire = () =>
  JSON.parse(JSON.stringify(resolveRollout({ plan: planFor('resolved', { stages: [{ name: 'insiders', select: { ring: 'internal' } }, { name: 'ten', devices: 10, batchGap: '90s' }] }) })));

const issuePaths = (input: unknown): string[] => {
  const result = resolvedRolloutSchemaFor(input).safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => fieldPath(issue.path));
};

describe('a resolved rollout input', () => {
  it('passes the strict schema unchanged', () => {
    const input = overTheWire();
    assert.deepEqual(resolvedRolloutSchemaFor(input).parse(input), input);
  });

  it('is refused when any defaulted field is missing, at any depth, naming each one', () => {
    const input = overTheWire();
    delete input.speedup;
    delete input.plan.defaults.batchSize;
    delete input.plan.health.policy.severity;
    delete input.plan.maintenanceWindows;
    assert.deepEqual(issuePaths(input).sort(), ['plan.defaults.batchSize', 'plan.health.policy.severity', 'plan.maintenanceWindows', 'speedup']);
  });

  it('still refuses what the plan schema refuses', () => {
    const input = overTheWire();
    input.plan.stages[1].batchSize = 0;
    input.plan.unknownField = true;
    assert.deepEqual(issuePaths(input).sort(), ['plan', 'plan.stages[1].batchSize']);
  });

  it('resolves the target load to 45 % and resumable downloads from catch-up round 3 unless the plan says, and still checks a rollout resolved before it existed', () => {
    const input = overTheWire();
    assert.equal(input.plan.defaults.targetLoadPercent, 45);
    assert.equal(input.plan.preflight.resumableDownloadFromRound, 3);
    delete input.plan.preflight.resumableDownloadFromRound;
    const own = resolveRollout({ plan: planFor('own-target', { defaults: { targetLoadPercent: 30 } }) });
    assert.equal(own.plan.defaults.targetLoadPercent, 30);
    delete input.plan.defaults.targetLoadPercent;
    assert.deepEqual(issuePaths(input), []);
    assert.throws(() => resolveRollout({ plan: planFor('bad-target', { defaults: { targetLoadPercent: 0 } }) }), /targetLoadPercent[\s\S]*above 0 %/);
  });

  it('of a flag plan is checked by the flag schema: passes unchanged, and a missing field is named, not a mismatch of plan kinds', () => {
    const input = JSON.parse(JSON.stringify(resolveRollout({ plan: flagPlanFor('resolved-flag') })));
    assert.deepEqual(resolvedRolloutSchemaFor(input).parse(input), input);
    delete input.plan.flag.value;
    delete input.plan.defaults.batchSize;
    assert.deepEqual(issuePaths(input).sort(), ['plan.defaults.batchSize', 'plan.flag.value']);
  });
});
