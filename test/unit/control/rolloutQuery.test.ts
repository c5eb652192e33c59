import assert from 'node:assert/strict';
import { ROLLOUT_SEARCH_ATTRIBUTES } from '../../../src/engine/workflows/searchAttributes';
import { RolloutFilter, rolloutListQuery } from '../../../src/client/rolloutQuery';
import { loadDevConfig } from '../../../rig/devenv/devConfig';

describe('finding rollouts by search attribute', () => {
  it('builds the visibility query from a filter', () => {
    assert.equal(rolloutListQuery({}), "WorkflowType = 'rolloutWorkflow'");
    assert.equal(
      rolloutListQuery({ state: 'paused', firmwareVersion: '2.0.0', stage: 'pilot', taskQueue: 'fleet-rollout', running: true }),
      "WorkflowType = 'rolloutWorkflow' AND RolloutState = 'paused' AND FirmwareVersion = '2.0.0' AND CurrentStage = 'pilot' AND TaskQueue = 'fleet-rollout' AND ExecutionStatus = 'Running'",
    );
  });

  it('refuses values that would change the query', () => {
    assert.equal(RolloutFilter.safeParse({ firmwareVersion: "2.0' OR 1=1" }).success, false);
    assert.equal(RolloutFilter.safeParse({ state: 'sleeping' }).success, false);
  });

  it('upserts exactly the search attributes temporal-dev.yml registers', () => {
    const registered = loadDevConfig().searchAttributes;
    assert.deepEqual(Object.fromEntries(ROLLOUT_SEARCH_ATTRIBUTES.map((key) => [key.name, key.type])), Object.fromEntries(Object.entries(registered).map(([name, type]) => [name, type.toUpperCase()])));
  });
});
