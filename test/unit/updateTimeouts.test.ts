import assert from 'node:assert/strict';
import { scaled, scaledTimeout } from '../../src/engine/model/planMath';
import { updateTimeouts } from '../../src/engine/model/updateTimeouts';

const SECOND = 1_000;
const HOUR = 3_600 * SECOND;
const healthCheckIntervals = [1 * SECOND, 10 * SECOND, 60 * SECOND, 5 * 60 * SECOND, HOUR];
const operationTimeouts = [1 * SECOND, 30 * SECOND, 30 * 60 * SECOND, 6 * HOUR, 48 * HOUR];
const speedups = [1, 2, 10, 60, 600, 1_200, 3_000, 100_000, 1_000_000];

describe('update attempt timeouts', () => {
  it(`nest request < heartbeat < attempt over ${healthCheckIntervals.length * operationTimeouts.length * speedups.length} plans and speed-ups`, () => {
    for (const healthCheckInterval of healthCheckIntervals) {
      for (const operationTimeout of operationTimeouts) {
        for (const speedup of speedups) {
          const timeouts = updateTimeouts({ healthCheckInterval, operationTimeout }, speedup);
          const where = JSON.stringify({ healthCheckInterval, operationTimeout, speedup, ...timeouts });
          assert.ok(timeouts.requestTimeoutMs > 0, where);
          // A live attempt heartbeats at least three times, and may cut a hung request at least twice, per heartbeat timeout.
          assert.ok(3 * timeouts.requestTimeoutMs <= timeouts.heartbeatTimeoutMs, where);
          assert.ok(3 * timeouts.maxPollIntervalMs <= timeouts.heartbeatTimeoutMs, where);
          assert.ok(timeouts.heartbeatTimeoutMs < timeouts.startToCloseTimeoutMs, where);
          // The attempt outlasts its operation timeout and the last poll after it.
          assert.ok(timeouts.startToCloseTimeoutMs > timeouts.operationTimeoutMs + timeouts.maxPollIntervalMs, where);
          assert.equal(timeouts.maxPollIntervalMs, scaled(healthCheckInterval, speedup));
          assert.equal(timeouts.operationTimeoutMs, scaledTimeout(operationTimeout, speedup));
        }
      }
    }
  });

  it('gives the seed plan at 600× 5 s per request and a 15 s heartbeat: a dead worker is noticed in 15 s', () => {
    const timeouts = updateTimeouts({ healthCheckInterval: 60 * SECOND, operationTimeout: 30 * 60 * SECOND }, 600);
    assert.deepEqual(
      { request: timeouts.requestTimeoutMs, heartbeat: timeouts.heartbeatTimeoutMs, attempt: timeouts.startToCloseTimeoutMs },
      // The operation timeout is held at 10 real seconds (scaledTimeout), polls come every 100 ms.
      { request: 5_000, heartbeat: 15_000, attempt: 10_000 + 2 * 100 + 15_000 },
    );
  });
});
