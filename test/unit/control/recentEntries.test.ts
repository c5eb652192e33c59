import assert from 'node:assert/strict';
import { emptyCounts, recordAudit, recordDecision, RECENT_ENTRIES, type RolloutStatus } from '../../../src/engine/model/status';
import { formatReport } from '../../../src/cli/format';

const started = (): RolloutStatus => ({
  rolloutId: 'fw-2',
  firmwareVersion: '2.0.0',
  state: 'running',
  devices: emptyCounts(),
  stages: [],
  decisions: [],
  decisionCount: 0,
  audit: [{ at: 't0', action: 'start', by: 'release-bot', via: 'start' }],
  auditCount: 1,
});

describe("the rollout status's audit trail and gate decisions", () => {
  it('keep the latest entries in order and count all of them', () => {
    const status = started();
    for (let n = 1; n <= 120; n++) {
      recordAudit(status, { at: `t${n}`, action: 'pause', by: 'alice', via: 'signal', rejected: 'the rollout is already paused' });
      recordDecision(status, { at: `t${n}`, stage: 'pilot', gate: `batch ${n}`, action: 'hold', reason: 'success 20%' });
    }
    assert.equal(RECENT_ENTRIES, 50);
    assert.equal(status.auditCount, 121);
    assert.equal(status.decisionCount, 120);
    assert.deepEqual(status.audit.map((entry) => entry.at), Array.from({ length: 50 }, (_, index) => `t${71 + index}`));
    assert.deepEqual(status.decisions.map((decision) => decision.gate), Array.from({ length: 50 }, (_, index) => `batch ${71 + index}`));
  });

  it('keep every entry while there are no more than the limit', () => {
    const status = started();
    for (let n = 1; n < RECENT_ENTRIES; n++) recordAudit(status, { at: `t${n}`, action: 'resume', by: 'bob', via: 'update' });
    assert.equal(status.audit.length, RECENT_ENTRIES);
    assert.equal(status.audit[0]?.action, 'start');
  });

  it('say in `rollout report` when earlier entries were dropped', () => {
    const status = started();
    for (let n = 1; n <= 60; n++) recordDecision(status, { at: `t${n}`, stage: 'pilot', gate: 'monitoring', action: 'pause', reason: 'crashes' });
    const report = formatReport({ execution: 'RUNNING', status });
    assert.match(report, /^decisions: the latest 50 of 60$/m);
    assert.match(report, /^audit trail:$/m);
  });
});
