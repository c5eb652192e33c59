import assert from 'node:assert/strict';
import { emptyCounts, type RolloutStatus } from '../../../src/engine/model/status';
import { refreshFigures, successRateBetween } from '../../../src/engine/workflows/statusFigures';

describe('the figures a rollout status derives', () => {
  it('totals devices by state, rates what was tried, and names the batch that runs next', () => {
    const status: RolloutStatus = {
      rolloutId: 'fw-1',
      firmwareVersion: '2.0.0',
      state: 'running',
      currentStage: 'pilot',
      devices: emptyCounts(),
      stages: [
        { name: 'canary', devices: 5, batches: 1, batchesDone: 1, state: 'completed', counts: { pending: 0, succeeded: 4, failed: 0, deferred: 1, rolled_back: 0, excluded: 0 } },
        { name: 'pilot', devices: 20, batches: 4, batchesDone: 2, state: 'running', counts: { pending: 10, succeeded: 9, failed: 1, deferred: 0, rolled_back: 0, excluded: 0 } },
        { name: 'wave', devices: 50, batches: 2, batchesDone: 0, state: 'pending', counts: emptyCounts(50) },
      ],
      decisions: [],
      decisionCount: 0,
      audit: [],
      auditCount: 0,
    };
    refreshFigures(status);
    assert.deepEqual(status.devices, { pending: 60, succeeded: 13, failed: 1, deferred: 1, rolled_back: 0, excluded: 0 });
    assert.equal(status.successRate, 13 / 14);
    assert.deepEqual(status.stages.map((stage) => stage.successRate), [1, 0.9, undefined]);
    assert.ok(!('successRate' in status.stages[2]!), 'absent, not undefined: the status is plain JSON');
    assert.deepEqual(status.currentBatch, { number: 3, of: 4 });

    status.stages[1]!.state = 'monitoring';
    refreshFigures(status);
    assert.equal(status.currentBatch, undefined);
  });

  it('rates the batches between two stage reports; a rolled-back device counts as not successful', () => {
    const before = { pending: 20, succeeded: 0, failed: 0, deferred: 0, rolled_back: 0, excluded: 0 };
    assert.equal(successRateBetween(before, { pending: 15, succeeded: 4, failed: 1, deferred: 0, rolled_back: 0, excluded: 0 }), 0.8);
    assert.equal(successRateBetween(before, { pending: 15, succeeded: 1, failed: 1, deferred: 0, rolled_back: 3, excluded: 0 }), 0.2);
    assert.equal(successRateBetween(before, { pending: 15, succeeded: 0, failed: 0, deferred: 5, rolled_back: 0, excluded: 0 }), undefined);
  });
});
