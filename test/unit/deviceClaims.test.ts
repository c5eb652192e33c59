import assert from 'node:assert/strict';
import { claimedByReason, countByHolder, DevicesClaimedError, HandOverRequest } from '../../src/engine/model/deviceClaims';
import { groupMisses, missOf } from '../../src/engine/model/catchUp/missedReport';
import { NO_STAGE_REASON } from '../../src/engine/model/stageAllocation';
import { InvalidInputError, parseOrThrow } from '../../src/engine/model/validation';

const excludedBefore = (deviceId: string, reason: string) => ({ deviceId, stage: '', state: 'excluded' as const, attempts: 0, reason });

describe('device claims', () => {
  it('report a device another rollout held as missed for that reason, naming the rollout', () => {
    const misses = [
      excludedBefore('gw-1', claimedByReason('fw-2.0.1-hotfix')),
      excludedBefore('gw-2', NO_STAGE_REASON),
      excludedBefore('gw-3', 'runs 0.9.0, below the minimum 1.0.0'),
      excludedBefore('gw-4', claimedByReason('fw-2.0.1-hotfix')),
    ].map((outcome) => ({ deviceId: outcome.deviceId, ...missOf(outcome, undefined)! }));
    assert.deepEqual(
      groupMisses(misses).groups.map(({ reason, devices, examples }) => [reason, devices, examples[0]!.detail]),
      [
        ['version_policy', 1, 'runs 0.9.0, below the minimum 1.0.0'],
        ['no_stage', 1, NO_STAGE_REASON],
        ['claimed_by_rollout', 2, 'claimed by rollout fw-2.0.1-hotfix'],
      ],
    );
  });

  it('count the devices held elsewhere per holder, in the order of their ids', () => {
    assert.deepEqual(countByHolder(['r2', 'r1', 'r2', 'r2']), [
      { rolloutId: 'r1', devices: 1 },
      { rolloutId: 'r2', devices: 3 },
    ]);
    assert.deepEqual(countByHolder([]), []);
    assert.match(new DevicesClaimedError(new Map([['gw-1', 'r1'], ['gw-2', 'r1']])).message, /2 target devices were claimed by another rollout meanwhile \(r1: 2\)/);
  });

  it('refuse a hand-over request that names no one, or hands devices to their holder, naming the field', () => {
    const request = { from: 'r1', to: 'r2', by: 'alice', reason: 'hotfix first' };
    assert.deepEqual(parseOrThrow(HandOverRequest, request, 'hand-over request'), request);
    const refusal = (value: unknown) => {
      try {
        parseOrThrow(HandOverRequest, value, 'hand-over request');
      } catch (error) {
        assert.ok(error instanceof InvalidInputError);
        return error.issues.map(({ path, message }) => `${path}: ${message}`);
      }
      assert.fail('accepted');
    };
    assert.deepEqual(refusal({ ...request, to: 'r1' }), ['to: hand the devices to another rollout than the one holding them']);
    assert.deepEqual(refusal({ ...request, devices: [] }), ['devices: list at least one device, or leave `devices` out to hand over all']);
    assert.deepEqual(refusal({ from: 'r1', by: 'alice' }), ['reason: missing: add it (a string)']);
  });
});
