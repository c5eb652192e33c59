import assert from 'node:assert/strict';
import { operatorMessages } from '../../../src/engine/workflows/messages';
import type { RolloutState } from '../../../src/engine/model/status';
import { judgeRequest, type ControlFacts } from '../../../src/engine/workflows/operatorRequests';

const running: ControlFacts = { state: 'running', awaitingApproval: undefined, stageRunning: true };
const facts = (state: RolloutState, awaitingApproval?: string, stageRunning = true): ControlFacts => ({ state, awaitingApproval, stageRunning });
const refusal = (verdict: ReturnType<typeof judgeRequest>) => ('rejected' in verdict ? verdict.rejected : undefined);

describe('judging operator requests', () => {
  it('accepts a pause with who and why, and fills the rollback scope with "all"', () => {
    assert.deepEqual(judgeRequest(operatorMessages.pause, { by: 'alice', reason: 'crash reports' }, running), { request: { by: 'alice', reason: 'crash reports' } });
    assert.deepEqual(judgeRequest(operatorMessages.rollback, { by: 'bob', reason: 'bad build' }, running), { request: { by: 'bob', reason: 'bad build', scope: 'all' } });
  });

  it('refuses a pause, rollback or abort without a reason, naming the field, and keeps who sent it', () => {
    for (const message of [operatorMessages.pause, operatorMessages.rollback, operatorMessages.abort]) {
      const verdict = judgeRequest(message, { by: 'alice' }, running);
      assert.match(refusal(verdict) ?? '', new RegExp(`invalid ${message.name} input: reason: say why`));
      assert.equal('by' in verdict && verdict.by, 'alice');
    }
  });

  it("keeps the connection's identity with an accepted request and with a refusal, and refuses an identity without a name", () => {
    const identity = { source: 'api-key', name: 'release-bot@ci' } as const;
    assert.deepEqual(judgeRequest(operatorMessages.pause, { by: 'alice', identity, reason: 'crash reports' }, running), { request: { by: 'alice', identity, reason: 'crash reports' } });
    const refused = judgeRequest(operatorMessages.pause, { by: 'alice', identity, reason: 'again' }, facts('paused'));
    assert.deepEqual(refused, { rejected: 'the rollout is already paused', by: 'alice', identity });
    assert.match(refusal(judgeRequest(operatorMessages.pause, { by: 'alice', identity: { source: 'mtls', name: ' ' }, reason: 'x' }, running)) ?? '', /identity\.name: name the certificate subject/);
  });

  it('refuses what the Web UI sends when the operator types nothing or a typo', () => {
    const empty = judgeRequest(operatorMessages.resume, undefined, facts('paused'));
    assert.match(refusal(empty) ?? '', /send one JSON object/);
    assert.equal('by' in empty && empty.by, 'unknown');
    assert.match(refusal(judgeRequest(operatorMessages.resume, { by: 'al', reson: 'x' }, facts('paused'))) ?? '', /Unrecognized key.*reson/);
  });

  it('accepts rollback scopes batch, stage, all and a cohort selector, and refuses others', () => {
    for (const scope of ['batch', 'stage', 'all', { cohort: { region: 'eu-west', hardwareRevision: ['rev-b'] } }]) {
      assert.equal(refusal(judgeRequest(operatorMessages.rollback, { by: 'a', reason: 'r', scope }, running)), undefined, JSON.stringify(scope));
    }
    assert.match(refusal(judgeRequest(operatorMessages.rollback, { by: 'a', reason: 'r', scope: 'device' }, running)) ?? '', /scope/);
    assert.match(refusal(judgeRequest(operatorMessages.rollback, { by: 'a', reason: 'r', scope: { cohort: {} } }, running)) ?? '', /at least one attribute/);
  });

  it('refuses a batch or stage rollback while no stage runs, and still takes all or a cohort', () => {
    const betweenStages = facts('awaiting_approval', 'wave1', false);
    for (const scope of ['batch', 'stage']) {
      assert.match(refusal(judgeRequest(operatorMessages.rollback, { by: 'a', reason: 'r', scope }, betweenStages)) ?? '', /no stage is running/);
    }
    for (const scope of ['all', { cohort: { region: 'eu-west' } }]) {
      assert.equal(refusal(judgeRequest(operatorMessages.rollback, { by: 'a', reason: 'r', scope }, betweenStages)), undefined);
    }
  });

  it('refuses what the state does not allow', () => {
    const cases: [keyof typeof operatorMessages, ControlFacts, RegExp][] = [
      ['pause', facts('paused'), /already paused/],
      ['resume', running, /not paused \(it is running\)/],
      ['approve', running, /no stage waits for approval/],
      ['pause', facts('rolling_back'), /rolling back/],
      ['rollback', facts('aborting'), /being aborted/],
    ];
    for (const [action, state, expected] of cases) {
      assert.match(refusal(judgeRequest(operatorMessages[action], { by: 'a', reason: 'r' }, state)) ?? '', expected, `${action} when ${state.state}`);
    }
  });

  it('refuses everything once the rollout has ended', () => {
    for (const state of ['completed', 'rolled_back', 'aborted'] as const) {
      for (const message of Object.values(operatorMessages)) {
        assert.equal(refusal(judgeRequest(message, { by: 'a', reason: 'r' }, facts(state))), `the rollout has already ended (${state})`);
      }
    }
  });

  it('approves only the stage that waits, also while paused', () => {
    assert.equal(refusal(judgeRequest(operatorMessages.approve, { by: 'a' }, facts('awaiting_approval', 'wave1'))), undefined);
    assert.equal(refusal(judgeRequest(operatorMessages.approve, { by: 'a', stage: 'wave1' }, facts('paused', 'wave1'))), undefined);
    assert.equal(refusal(judgeRequest(operatorMessages.approve, { by: 'a', stage: 'wave2' }, facts('awaiting_approval', 'wave1'))), 'stage wave1 waits for approval, not wave2');
  });
});
