import assert from 'node:assert/strict';
import { emptyCounts } from '../../src/engine/model/status';
import { batchGate, settleBatch, settleLateRollback, settleRollback, successRate } from '../../src/engine/model/gates';
import { preflightDeferral, PreflightRules, updatesResumably } from '../../src/engine/model/preflight';
import { pipelineReady } from '../../src/engine/model/pipelining';

const thresholds = { successThreshold: 0.8, rollbackThreshold: 0.7 };
const batch = (succeeded: number, failed: number, deferred = 0) => ({ ...emptyCounts(), succeeded, failed, deferred });

describe('batch gate', () => {
  it('continues at 80 % and above', () => assert.equal(batchGate(batch(20, 5), thresholds).action, 'continue'));
  it('holds between 70 % and 80 %', () => assert.equal(batchGate(batch(18, 7), thresholds).action, 'hold'));
  it('rolls back below 70 %', () => assert.equal(batchGate(batch(17, 8), thresholds).action, 'roll_back'));
  it('counts a cut-short batch: rolled-back devices from succeeded then pending, the rest of pending as failed', () => {
    const cutShort = { ...emptyCounts(), pending: 9, succeeded: 16 };
    assert.deepEqual(settleRollback(cutShort, 19), { pending: 0, succeeded: 0, failed: 6, deferred: 0, rolled_back: 19, excluded: 0 });
  });
  it('counts a late rollback from succeeded, then pending, and leaves devices never started pending', () => {
    const stage = { ...emptyCounts(), pending: 12, succeeded: 8, failed: 1 };
    assert.deepEqual(settleLateRollback(stage, 5), { ...stage, succeeded: 3, rolled_back: 5 });
    assert.deepEqual(settleLateRollback(stage, 10), { ...stage, pending: 10, succeeded: 0, rolled_back: 10 });
  });
  it('judges a batch that timed out with devices still updating as not (yet) successful', () => {
    const timedOut = { ...emptyCounts(), pending: 10, succeeded: 15 };
    assert.equal(batchGate(timedOut, thresholds, { final: false }).action, 'roll_back');
    assert.equal(batchGate({ ...timedOut, pending: 4, succeeded: 21 }, thresholds, { final: false }).action, 'continue');
  });
  it('does not count deferred devices as failures', () => {
    assert.equal(successRate(batch(20, 0, 5)), 1);
    assert.equal(batchGate(batch(20, 0, 5), thresholds).action, 'continue');
  });
  it('moves settled devices out of pending, and rolled-back ones out of succeeded', () => {
    const stage = settleBatch(emptyCounts(50), batch(20, 3, 2));
    assert.deepEqual(stage, { pending: 25, succeeded: 20, failed: 3, deferred: 2, rolled_back: 0, excluded: 0 });
    assert.deepEqual(settleRollback(batch(20, 3, 2), 20), { pending: 0, succeeded: 0, failed: 3, deferred: 2, rolled_back: 20, excluded: 0 });
  });
  it('takes rolled-back devices a batch cancelled at its timeout still counted as pending out of pending', () => {
    const cancelled = { ...emptyCounts(10), pending: 6, succeeded: 4 };
    assert.deepEqual(settleRollback(cancelled, 10), { pending: 0, succeeded: 0, failed: 0, deferred: 0, rolled_back: 10, excluded: 0 });
  });
});

describe('preflight', () => {
  const rules = PreflightRules.parse({});
  const healthy = { deviceId: 'gw-1', online: true, cpuPercent: 10, diskFreeMb: 2000, batteryPercent: null, connectivityStable: true, criticalProcesses: [] };
  it('passes a healthy mains-powered gateway', () => assert.equal(preflightDeferral(healthy, rules), undefined));
  it('defers on each seed limit, saying why', () => {
    assert.match(preflightDeferral({ ...healthy, cpuPercent: 45 }, rules)!, /cpu 45%/);
    assert.match(preflightDeferral({ ...healthy, diskFreeMb: 400 }, rules)!, /disk free 400 MB/);
    assert.match(preflightDeferral({ ...healthy, batteryPercent: 30 }, rules)!, /battery 30%/);
    assert.match(preflightDeferral({ ...healthy, connectivityStable: false }, rules)!, /connectivity/);
    assert.match(preflightDeferral({ ...healthy, criticalProcesses: ['pump-control'] }, rules)!, /pump-control/);
    assert.equal(preflightDeferral({ ...healthy, online: false }, rules), 'offline');
  });
  it('lets an unstable link through to a resumable download from the plan’s catch-up round on, and nothing else', () => {
    const from3 = PreflightRules.parse({ resumableDownloadFromRound: 3 });
    const unstable = preflightDeferral({ ...healthy, connectivityStable: false }, from3);
    assert.equal(updatesResumably(unstable, from3, undefined), false, 'not in its stage');
    assert.equal(updatesResumably(unstable, from3, 2), false);
    assert.equal(updatesResumably(unstable, from3, 3), true);
    assert.equal(updatesResumably(unstable, from3, 9), true);
    assert.equal(updatesResumably(unstable, rules, 9), false, 'a rollout resolved before the setting has none');
    const lowAndUnstable = preflightDeferral({ ...healthy, connectivityStable: false, batteryPercent: 20 }, from3);
    assert.equal(updatesResumably(lowAndUnstable, from3, 9), false, 'a low battery still waits');
    assert.throws(() => PreflightRules.parse({ resumableDownloadFromRound: 0 }), /catch-up round, 1 or later/);
  });
});

describe('pipelining', () => {
  const inFlight = (reachedMilestone: number, succeeded: number, failed: number) => ({
    devices: 10,
    reachedMilestone,
    counts: { ...emptyCounts(), pending: 10 - succeeded - failed, succeeded, failed },
    ended: false,
  });
  it('starts the next batch once 80 % of the current one reached the milestone', () => {
    assert.equal(pipelineReady(inFlight(7, 0, 0), 0.8, 0.8), false);
    assert.equal(pipelineReady(inFlight(8, 0, 0), 0.8, 0.8), true);
  });
  it('waits for the gate of a batch whose settled devices would not pass it', () => {
    assert.equal(pipelineReady(inFlight(9, 6, 3), 0.8, 0.8), false);
    assert.equal(pipelineReady(inFlight(9, 8, 1), 0.8, 0.8), true);
  });
});
