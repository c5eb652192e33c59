import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { FleetRequestFailed } from '../../src/adapters/fleet/fleetHttpErrors';
import { honouringRetryAfter, retryAfterOf } from '../../src/adapters/fleet/retryAfter';
import { servicePauseMs } from '../../src/adapters/fleet/retryPolicy';
import { TokenBucket } from '../../src/adapters/fleet/tokenBucket';

const busy = (retryAfterMs?: number) =>
  new FleetRequestFailed('POST /status failed (429 OVERLOADED)', { status: 429, code: 'OVERLOADED', ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });

describe('Retry-After, end to end', () => {
  describe('the activity failure', () => {
    it("carries the service's delay as the next retry's, keeping the error's type", () => {
      const failure = honouringRetryAfter(busy(8_000));
      assert.ok(failure instanceof ApplicationFailure);
      assert.equal(failure.type, 'FleetRequestFailed');
      assert.equal(failure.nextRetryDelay, 8_000);
      assert.equal(failure.nonRetryable, false);
      assert.ok(failure.cause instanceof FleetRequestFailed);
    });

    it('finds the delay in the cause of an error that wraps the fleet failure', () => {
      assert.equal(retryAfterOf(new Error('update attempt failed', { cause: busy(6_000) })), 6_000);
    });

    it('leaves failures that name no delay as they are', () => {
      const plain = busy();
      assert.equal(honouringRetryAfter(plain), plain);
      const other = new Error('ledger unreachable');
      assert.equal(honouringRetryAfter(other), other);
    });
  });

  describe('the pause of every caller of the service', () => {
    const backoffMs = 300;
    it("is a transient failure's Retry-After, seconds or date", () => {
      assert.equal(servicePauseMs({ status: 429, retryAfter: '8' }, backoffMs), 8_000);
      assert.equal(servicePauseMs({ status: 503, retryAfter: new Date(61_000).toUTCString() }, backoffMs, 1_000), 60_000);
    });
    it("is a 429's backoff when it names no Retry-After", () => assert.equal(servicePauseMs({ status: 429, retryAfter: null }, backoffMs), backoffMs));
    it('is none for a 5xx without Retry-After, or a final answer', () => {
      assert.equal(servicePauseMs({ status: 503, retryAfter: null }, backoffMs), undefined);
      assert.equal(servicePauseMs({ status: 400, retryAfter: '8' }, backoffMs), undefined);
    });
  });

  describe("the service's token bucket", () => {
    it('lets no caller through before a pause ends, then paces them at the rate, not in a burst', () => {
      let now = 0;
      const bucket = new TokenBucket(10, 5, () => now);
      assert.equal(bucket.reserve(), 0, 'a full bucket lets a request through at once');
      bucket.pauseUntil(8_000);
      assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [8_000, 8_100, 8_200]);
      now = 9_000;
      assert.equal(bucket.reserve(), 0, 'after the queue is paid back it refills at the rate');
    });

    it('is not shortened by a shorter pause heard later', () => {
      const now = 0;
      const bucket = new TokenBucket(10, 5, () => now);
      bucket.pauseUntil(8_000);
      bucket.pauseUntil(2_000);
      assert.equal(bucket.reserve(), 8_000);
    });

    it('holds a caller that was already waiting for its token when the pause began', async () => {
      const bucket = new TokenBucket(20, 1);
      bucket.reserve(); // the one token: the next caller waits 50 ms
      const startedAt = performance.now();
      const taken = bucket.take();
      bucket.pauseUntil(performance.now() + 300);
      await taken;
      assert.ok(performance.now() - startedAt >= 300, `went after ${performance.now() - startedAt} ms`);
    });
  });
});
