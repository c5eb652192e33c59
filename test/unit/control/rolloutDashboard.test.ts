import assert from 'node:assert/strict';
import type { RolloutStatus } from '../../../src/engine/model/status';
import { renderDashboard } from '../../../src/engine/workflows/rolloutDashboard';

const heldStatus: RolloutStatus = {
  rolloutId: 'fw-2.0.0-seed',
  firmwareVersion: '2.0.0',
  state: 'paused',
  currentStage: 'pilot',
  currentBatch: { number: 2, of: 4 },
  devices: { pending: 175, succeeded: 21, failed: 4, deferred: 0, rolled_back: 0, excluded: 0 },
  successRate: 0.84,
  lastBatchSuccessRate: 0.8,
  stages: [
    { name: 'canary', devices: 5, batches: 1, batchesDone: 1, state: 'completed', counts: { pending: 0, succeeded: 5, failed: 0, deferred: 0, rolled_back: 0, excluded: 0 }, successRate: 1 },
    { name: 'pilot', devices: 20, batches: 4, batchesDone: 1, state: 'held', counts: { pending: 15, succeeded: 1, failed: 4, deferred: 0, rolled_back: 0, excluded: 0 }, successRate: 0.2 },
    { name: 'wave1', devices: 50, batches: 2, batchesDone: 0, state: 'pending', counts: { pending: 50, succeeded: 0, failed: 0, deferred: 0, rolled_back: 0, excluded: 0 } },
  ],
  pendingDecision: {
    kind: 'resume_or_roll_back',
    stage: 'pilot',
    since: '2026-11-22T10:00:00.000Z',
    reason: 'batch 1: hold, success 20% < success threshold 80%',
    options: ['resume', 'rollback', 'abort'],
  },
  decisions: [{ at: '2026-11-22T10:00:00.000Z', stage: 'pilot', gate: 'batch 1', action: 'hold', reason: 'success 20% < success threshold 80%' }],
  decisionCount: 1,
  auditCount: 2,
  audit: [
    { at: '2026-11-22T09:00:00.000Z', action: 'start', by: 'release-bot', via: 'start' },
    { at: '2026-11-22T10:05:00.000Z', action: 'resume', by: 'bob', via: 'signal', rejected: 'invalid resume input: by: say who you are' },
  ],
};

describe('the rollout dashboard (Web UI current details)', () => {
  it('names a flag rollout by its flag and value, where a firmware rollout names its version', () => {
    const flagRollout: RolloutStatus = { ...heldStatus, rolloutId: 'flag-sensor', firmwareVersion: 'new_sensor_algorithm=true', flag: { name: 'new_sensor_algorithm', value: true } };
    assert.match(renderDashboard(flagRollout), /^\*\*flag-sensor\*\* → flag new_sensor_algorithm = true: \*\*PAUSED\*\*/);
  });

  it('shows the state, what it waits for, the last action and decision, progress and one row per stage, in that order', () => {
    const markdown = renderDashboard(heldStatus);
    assert.match(markdown, /^\*\*fw-2\.0\.0-seed\*\* → firmware 2\.0\.0: \*\*PAUSED\*\*/);
    assert.match(markdown, /Waiting for a decision on stage pilot\*\* \(batch 1: hold, success 20% < success threshold 80%\) since 2026-11-22T10:00:00\.000Z: send resume, rollback, abort/);
    assert.match(markdown, /Progress: 25 of 200 devices settled \(12\.5%\) · success 84% · last batch 80% · stage pilot, batch 2 of 4/);
    assert.match(markdown, /\| pilot \| held \| 1 of 4 \| 1 \| 4 \| 0 \| 0 \| 15 \| 20% \|/);
    assert.match(markdown, /\| wave1 \| pending \| 0 of 2 \| 0 \| 0 \| 0 \| 0 \| 50 \| – \|/);
    assert.match(markdown, /\*\*Last decision:\*\* pilot batch 1 → hold: success 20% < success threshold 80% · 1 in all/);
    assert.match(markdown, /\*\*Last operator action:\*\* resume by bob \(signal\) · \*\*refused\*\*: invalid resume input: by: say who you are · audit trail of 2/);
    const order = ['PAUSED', 'Waiting for', 'Last operator action', 'Last decision', 'Progress', '| stage |'].map((text) => markdown.indexOf(text));
    assert.deepEqual([...order].sort((a, b) => a - b), order);
  });
});
