import assert from 'node:assert/strict';
import { DeadlinePolicy, decideOnExpiredDeadline } from '../../../src/engine/model/health/deadline';
import {
  HealthBaseline,
  type HealthObservation,
  HealthPolicy,
  evaluateHealth,
} from '../../../src/engine/model/health/triggers';

const baseline = HealthBaseline.parse({ crashRatePerDeviceHour: 0.002, connectivityRate: 0.98 });
const policy = HealthPolicy.parse({});
const defaults = DeadlinePolicy.parse({});

/** 1,000 devices for 10 hours: 20 crashes expected. */
const normal: HealthObservation = {
  exposedDevices: 1000,
  exposureHours: 10,
  crashes: 20,
  connectivityRate: 0.98,
  rollbacks: 0,
  unresponsiveDevices: 0,
};
const window = (changes: Partial<HealthObservation>) => evaluateHealth({ ...normal, ...changes }, baseline, policy);

const pausedAt3x = window({ crashes: 60 });

describe('health/deadline: decision deadline passed without an operator decision', () => {
  it('resumes with the next stage halved when the metrics came back', () => {
    assert.equal(pausedAt3x.verdict, 'pause');
    const decision = decideOnExpiredDeadline([pausedAt3x, window({ crashes: 40 }), window({ crashes: 22 })], defaults);
    assert.deepEqual(decision, { action: 'resume', nextStageFactor: 0.5 });
  });

  it('passes on the factor the plan chose', () => {
    const decision = decideOnExpiredDeadline([pausedAt3x, window({})], DeadlinePolicy.parse({ nextStageFactor: 0.2 }));
    assert.deepEqual(decision, { action: 'resume', nextStageFactor: 0.2 });
  });

  it('rolls back and quarantines when the metric stays elevated, even if lower', () => {
    const decision = decideOnExpiredDeadline([pausedAt3x, window({ crashes: 50 })], defaults);
    assert.deepEqual(decision, { action: 'rollback_and_quarantine', reason: 'still_elevated' });
  });

  it('resumes on a stable elevated metric only when the plan allows it', () => {
    const lenient = DeadlinePolicy.parse({ resumeWhileElevated: true });
    assert.equal(decideOnExpiredDeadline([pausedAt3x, window({ crashes: 50 })], lenient).action, 'resume');
  });

  it('rolls back when the pausing metric got worse', () => {
    const lenient = DeadlinePolicy.parse({ resumeWhileElevated: true });
    const decision = decideOnExpiredDeadline([pausedAt3x, window({ crashes: 40 }), window({ crashes: 70 })], lenient);
    assert.deepEqual(decision, { action: 'rollback_and_quarantine', reason: 'worsening' });
  });

  it('rolls back when another metric now pauses the rollout', () => {
    const lenient = DeadlinePolicy.parse({ resumeWhileElevated: true });
    const decision = decideOnExpiredDeadline([pausedAt3x, window({ connectivityRate: 0.8 })], lenient);
    assert.deepEqual(decision, { action: 'rollback_and_quarantine', reason: 'worsening' });
  });

  it('judges the latest window, not the best one', () => {
    const decision = decideOnExpiredDeadline([pausedAt3x, window({}), window({ crashes: 50 })], defaults);
    assert.equal(decision.action, 'rollback_and_quarantine');
  });

  it('rolls back when the latest window lacks data, or there is no history', () => {
    const missing = { action: 'rollback_and_quarantine', reason: 'missing_data' };
    assert.deepEqual(decideOnExpiredDeadline([pausedAt3x, window({ crashes: undefined })], defaults), missing);
    assert.deepEqual(decideOnExpiredDeadline([], defaults), missing);
  });

  it('resumes after a pause for missing data once the data is back and healthy', () => {
    const blind = window({ crashes: undefined });
    assert.equal(decideOnExpiredDeadline([blind, window({})], defaults).action, 'resume');
  });
});
