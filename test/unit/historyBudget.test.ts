import assert from 'node:assert/strict';
import { Plan } from '../../src/engine/model/plan';
import {
  batchHistoryBound,
  CATCH_UP_RUN_HISTORY_BOUND,
  EVIDENCE_RUN_HISTORY_BOUND,
  HISTORY_EVENT_LIMIT,
  MAX_BATCHES_PER_RUN,
  MAX_BATCH_SIZE,
  MAX_STAGES,
  MONITORING_RUN_HISTORY_BOUND,
  rolloutHistoryBound,
  stageRunHistoryBound,
} from '../../src/engine/model/historyBudget';
import { planFor } from '../helpers/fixtures';

describe('history budget', () => {
  it('keeps every workflow run under 10,240 events at the plan limits', () => {
    const seedBatch = { devices: MAX_BATCH_SIZE, maxConcurrent: 30, maximumAttempts: 5 };
    assert.ok(batchHistoryBound(seedBatch) < HISTORY_EVENT_LIMIT, `batch of ${MAX_BATCH_SIZE}: ${batchHistoryBound(seedBatch)}`);
    const waitingForWindows = batchHistoryBound({ ...seedBatch, windowed: true });
    assert.ok(waitingForWindows < HISTORY_EVENT_LIMIT, `batch of ${MAX_BATCH_SIZE} with maintenance windows: ${waitingForWindows}`);
    assert.ok(stageRunHistoryBound(MAX_BATCHES_PER_RUN) < HISTORY_EVENT_LIMIT, `stage run: ${stageRunHistoryBound(MAX_BATCHES_PER_RUN)}`);
    assert.ok(MONITORING_RUN_HISTORY_BOUND < HISTORY_EVENT_LIMIT, `monitoring run: ${MONITORING_RUN_HISTORY_BOUND}`);
    assert.ok(rolloutHistoryBound(MAX_STAGES) < HISTORY_EVENT_LIMIT, `rollout: ${rolloutHistoryBound(MAX_STAGES)}`);
    assert.ok(CATCH_UP_RUN_HISTORY_BOUND < HISTORY_EVENT_LIMIT, `catch-up run: ${CATCH_UP_RUN_HISTORY_BOUND}`);
    assert.ok(EVIDENCE_RUN_HISTORY_BOUND < HISTORY_EVENT_LIMIT, `health watch run: ${EVIDENCE_RUN_HISTORY_BOUND}`);
  });

  it('refuses plans beyond those limits, naming the field', () => {
    const tooLarge = Plan.safeParse(planFor('large', { defaults: { batchSize: MAX_BATCH_SIZE + 1 } }));
    assert.equal(tooLarge.success, false);
    assert.deepEqual(tooLarge.error?.issues[0]?.path, ['defaults', 'batchSize']);
    const stages = Array.from({ length: MAX_STAGES + 1 }, (_, index) => ({ name: `s${index}`, devices: 1 }));
    assert.deepEqual(Plan.safeParse(planFor('many', { stages })).error?.issues[0]?.path, ['stages']);
    assert.equal(Plan.parse(planFor('default')).defaults.batchesPerRun, MAX_BATCHES_PER_RUN);
    const oneAtATime = Plan.safeParse(planFor('narrow', { defaults: { batchSize: MAX_BATCH_SIZE, maxConcurrent: 1 } }));
    assert.deepEqual(oneAtATime.error?.issues[0]?.path, ['stages', 0, 'batchSize']);
    assert.match(oneAtATime.error?.issues[0]?.message ?? '', /could record \d+ events in one batch's history/);
  });
});
