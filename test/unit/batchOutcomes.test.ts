import assert from 'node:assert/strict';
import { BatchOutcomes } from '../../src/engine/model/batchOutcomes';
import type { DeviceOutcome } from '../../src/engine/model/status';

const outcome = (deviceId: string, state: DeviceOutcome['state'], attempts = 1): DeviceOutcome => ({ deviceId, stage: 'wave', state, attempts });

describe("a batch's outcomes", () => {
  it('lists as unheard the devices being updated that have no outcome yet', () => {
    const batch = new BatchOutcomes(4);
    batch.updatingDevices(['a', 'b', 'c']);
    batch.heard([outcome('d', 'deferred'), outcome('b', 'succeeded')]);
    assert.deepEqual(batch.unheard(), ['a', 'c']);
  });

  it('counts a device heard at the timeout and again when its attempt ends once, keeping the later attempts', () => {
    const batch = new BatchOutcomes(3);
    batch.updatingDevices(['a', 'b', 'c']);
    batch.heard([outcome('a', 'succeeded', 1), outcome('b', 'succeeded', 1)]);
    batch.heard([outcome('a', 'succeeded', 2), outcome('b', 'succeeded', 1), outcome('c', 'failed', 3)]);
    assert.deepEqual(batch.counts, { pending: 0, succeeded: 2, failed: 1, deferred: 0, rolled_back: 0, excluded: 0 });
    assert.deepEqual(batch.outcomes, [outcome('a', 'succeeded', 2), outcome('b', 'succeeded', 1), outcome('c', 'failed', 3)]);
  });

  it('never turns a device counted succeeded into a failure its attempt reports later', () => {
    const batch = new BatchOutcomes(1);
    batch.heard([outcome('a', 'succeeded')]);
    batch.heard([{ ...outcome('a', 'failed', 5), reason: 'the activity ran out of retries' }]);
    assert.deepEqual(batch.outcomes, [outcome('a', 'succeeded')]);
    assert.equal(batch.counts.succeeded, 1);
    assert.equal(batch.counts.failed, 0);
  });
});
