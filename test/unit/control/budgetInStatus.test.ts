import assert from 'node:assert/strict';
import { formatStatus } from '../../../src/cli/format';
import { budgetView, request, type BudgetState } from '../../../src/engine/model/budget';
import { emptyCounts, type RolloutStatus } from '../../../src/engine/model/status';

const status: RolloutStatus = {
  rolloutId: 'hotfix',
  firmwareVersion: '2.0.1',
  state: 'running',
  devices: emptyCounts(20),
  stages: [{ name: 'all', devices: 20, batches: 1, batchesDone: 0, state: 'running', counts: emptyCounts(20) }],
  decisions: [],
  decisionCount: 0,
  audit: [],
  auditCount: 0,
};

describe('rollout status with a fleet budget', () => {
  const empty: BudgetState = { limit: 60, leases: [], waiting: [] };
  const ask = { rolloutId: 'hotfix', priority: 'high' as const, serviceLimit: { worker: 'w1', limit: 19 } };

  it("shows the limit that holds now, the service's adaptive one under the fleet's, and what the rollout leases", () => {
    const state = request(request(empty, { ...ask, requestId: 'a', operations: 12 }, 0, 60_000), { ...ask, requestId: 'b', operations: 10 }, 1, 60_000);
    assert.match(
      formatStatus(status, budgetView('fleet-rollout', state)),
      /\nfleet budget fleet-rollout: 12 of 19 operations in flight: the service's adaptive limit \(one worker\), under the fleet limit of 60; this rollout leases 12, waits for 10$/,
    );
  });

  it('says so when the rollout holds no lease, and shows no budget line without a budget', () => {
    assert.match(formatStatus(status, budgetView('fleet-rollout', empty)), /fleet budget fleet-rollout: 0 of 60 operations in flight; this rollout holds no lease now$/);
    assert.doesNotMatch(formatStatus(status), /fleet budget/);
  });
});
