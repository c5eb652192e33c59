import assert from 'node:assert/strict';
import {
  SeverityPolicy,
  crashResponse,
  mostUrgent,
  respond,
  unresponsiveResponse,
} from '../../../src/engine/model/health/severity';

const defaults = SeverityPolicy.parse({});
const HOUR = 3_600_000;

describe('health/severity (002 "Pause Decision Criteria")', () => {
  it('2× baseline: moderate, pause and keep monitoring, 48 hours to decide', () => {
    assert.deepEqual(crashResponse(2.5, defaults), {
      severity: 'moderate',
      action: 'pause_and_monitor',
      deadlineMs: 48 * HOUR,
      deadline: '48 hours',
    });
  });

  it('5× baseline: high, pause and investigate, 24 hours to decide', () => {
    assert.deepEqual(crashResponse(5, defaults), {
      severity: 'high',
      action: 'pause_and_investigate',
      deadlineMs: 24 * HOUR,
      deadline: '24 hours',
    });
    assert.equal(crashResponse(9.99, defaults).severity, 'high');
  });

  it('10× baseline: critical, roll back within 4 hours', () => {
    assert.deepEqual(crashResponse(10, defaults), {
      severity: 'critical',
      action: 'rollback',
      deadlineMs: 4 * HOUR,
      deadline: '4 hours',
    });
  });

  it('unresponsive devices: critical, roll back within 1 hour', () => {
    assert.deepEqual(unresponsiveResponse(defaults), {
      severity: 'critical',
      action: 'rollback',
      deadlineMs: HOUR,
      deadline: '1 hour',
    });
  });

  it('takes its ratios and hours from the policy', () => {
    const policy = SeverityPolicy.parse({ highCrashRatio: 3, crashHighHours: 12 });
    assert.deepEqual(crashResponse(3, policy), respond('high', 12));
    assert.equal(crashResponse(3, policy).deadline, '12 hours');
  });

  describe('mostUrgent', () => {
    it('prefers the more severe response over an earlier deadline', () => {
      assert.deepEqual(mostUrgent([respond('moderate', 1), respond('high', 24)]), respond('high', 24));
    });

    it('among equally severe responses takes the one due first', () => {
      assert.deepEqual(mostUrgent([respond('critical', 4), respond('critical', 1)]), respond('critical', 1));
    });

    it('has nothing to say about no responses', () => {
      assert.equal(mostUrgent([]), undefined);
    });
  });
});
