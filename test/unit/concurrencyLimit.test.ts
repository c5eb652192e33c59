import assert from 'node:assert/strict';
import { initialLimit, nextLimit, type ConcurrencyLimitState, type LimitTarget } from '../../src/engine/model/concurrencyLimit';
import { AdaptiveAdmission } from '../../src/adapters/fleet/adaptiveAdmission';

const TARGET: LimitTarget = { targetLoadPercent: 45, ceiling: 30 };
/** The simulator's service: 10 % idle, 1.8 % per operation in flight. */
const simulatedLoad = (inFlight: number) => 10 + 1.8 * inFlight;

describe('adaptive concurrency limit', () => {
  it('climbs to what the reported load allows under the target and never past it, with demand to spare', () => {
    let state = initialLimit(TARGET);
    let inFlight = 0;
    const limits: number[] = [];
    for (let answer = 0; answer < 20; answer++) {
      state = nextLimit(state, { latencyMs: 1, overloaded: false, loadPercent: simulatedLoad(inFlight) }, inFlight, TARGET);
      inFlight = state.limit; // a full queue takes every permit
      limits.push(state.limit);
      assert.ok(simulatedLoad(inFlight) <= 45, `limit ${state.limit} loads the service to ${simulatedLoad(inFlight)} %`);
    }
    assert.equal(state.limit, 19, `limits: ${limits.join(' ')}`);
    assert.ok(limits.indexOf(19) <= 6, `reached 19 after ${limits.indexOf(19) + 1} answers: ${limits.join(' ')}`);
  });

  it('comes back under the target within two answers once the load passes it', () => {
    let state: ConcurrencyLimitState = { limit: 30, minLatencyMs: 1, backingOff: false };
    state = nextLimit(state, { latencyMs: 1, overloaded: false, loadPercent: simulatedLoad(30) }, 30, TARGET);
    assert.equal(state.limit, 21, '64 % over 30 operations: 2.13 % each, 9 too many');
    state = nextLimit(state, { latencyMs: 1, overloaded: false, loadPercent: simulatedLoad(21) }, 21, TARGET);
    assert.equal(state.limit, 19);
    assert.equal(nextLimit(state, { latencyMs: 1, overloaded: false, loadPercent: 60 }, 0, TARGET).limit, 1, 'someone else loads it: one at a time');
  });

  it('keeps under the ceiling and the target the plan sets', () => {
    const state = initialLimit(TARGET);
    assert.equal(nextLimit(state, { latencyMs: 1, overloaded: false, loadPercent: 10 }, 0, { targetLoadPercent: 100, ceiling: 30 }).limit, 9);
    assert.equal(nextLimit({ ...state, limit: 25 }, { latencyMs: 1, overloaded: false, loadPercent: 20 }, 25, { targetLoadPercent: 100, ceiling: 30 }).limit, 30);
    assert.equal(nextLimit(state, { latencyMs: 1, overloaded: false, loadPercent: 10 }, 0, { targetLoadPercent: 100, ceiling: 4 }).limit, 4);
  });

  it('halves on 429 or 5xx once per overload: more refusals count only once the operations are back under the limit', () => {
    let state: ConcurrencyLimitState = { limit: 24, minLatencyMs: 1, backingOff: false };
    const refused = { latencyMs: 1, overloaded: true };
    state = nextLimit(state, refused, 24, TARGET);
    assert.equal(state.limit, 12);
    state = nextLimit(state, refused, 20, TARGET);
    assert.equal(state.limit, 12, 'the same overload, still 20 in flight');
    state = nextLimit(state, refused, 12, TARGET);
    assert.equal(state.limit, 6, 'back under the limit, and refused again');
    assert.equal(nextLimit({ limit: 1, minLatencyMs: 1, backingOff: false }, refused, 1, TARGET).limit, 1);
  });

  it('without a reported load, grows by one while half used and shrinks by a tenth when latency doubles by more than the slack', () => {
    const ok = { latencyMs: 100, overloaded: false };
    let state: ConcurrencyLimitState = { limit: 10, minLatencyMs: 100, backingOff: false };
    assert.equal(nextLimit(state, ok, 4, TARGET).limit, 10, 'less than half used: no reason to grow');
    state = nextLimit(state, ok, 5, TARGET);
    assert.equal(state.limit, 11);
    state = nextLimit(state, { latencyMs: 400, overloaded: false }, 11, TARGET);
    assert.equal(state.limit, 9);
    assert.equal(nextLimit(state, { latencyMs: 400, overloaded: false }, 11, TARGET).limit, 9, 'the same slow spell');
  });

  it('takes latency jitter of a fast service for no overload: 1 ms then 5 ms grows the limit', () => {
    const state: ConcurrencyLimitState = { limit: 4, minLatencyMs: 1, backingOff: false };
    assert.equal(nextLimit(state, { latencyMs: 5, overloaded: false }, 4, TARGET).limit, 5);
  });
});

describe('adaptive admission at one service', () => {
  it('admits up to the limit, the rest when permits come back, under the strictest target of the rollouts in flight', () => {
    const admission = new AdaptiveAdmission();
    assert.equal(admission.tryAdmit(25, TARGET), 1, 'one until the service has said anything');
    admission.requestStarted()({ latencyMs: 1, overloaded: false, loadPercent: simulatedLoad(1) });
    assert.deepEqual(admission.state, { limit: 3, inFlight: 1 }, '11.8 % for one: two more fit under 45 %');
    assert.equal(admission.tryAdmit(24, TARGET), 2);
    assert.equal(admission.tryAdmit(10, { targetLoadPercent: 30, ceiling: 30 }), 0);
    admission.requestStarted()({ latencyMs: 1, overloaded: false, loadPercent: simulatedLoad(3) });
    assert.equal(admission.state.limit, 5, 'the stricter 30 % target counts (45 % would allow 8)');
    admission.release(3);
    assert.equal(admission.tryAdmit(9, TARGET), 2, 'nobody in flight: the target starts over; 3 permits wait for a load that saw them go');
    admission.requestStarted()({ latencyMs: 1, overloaded: false, loadPercent: simulatedLoad(2) });
    assert.equal(admission.tryAdmit(9, TARGET), 4, '13.6 % at 2 in flight is 6.8 % each: 4 more fit under 45 %');
    assert.deepEqual(admission.state, { limit: 6, inFlight: 6 });
  });

  it('takes released permits up again only once a reported load saw their operations gone', () => {
    const admission = new AdaptiveAdmission();
    admission.tryAdmit(1, TARGET);
    admission.requestStarted()({ latencyMs: 1, overloaded: false, loadPercent: simulatedLoad(1) });
    for (let round = 0; round < 10; round++) {
      admission.tryAdmit(30, TARGET);
      admission.requestStarted()({ latencyMs: 1, overloaded: false, loadPercent: simulatedLoad(admission.state.inFlight) });
    }
    assert.deepEqual(admission.state, { limit: 19, inFlight: 19 }, '10 % + 19 × 1.8 % = 44.2 %');
    // Two operations ended at the service; the worker polls them later. A load answer meanwhile sees 17 working, 19 held.
    const poll = admission.requestStarted();
    poll({ latencyMs: 1, overloaded: false, loadPercent: simulatedLoad(17) });
    assert.equal(admission.state.limit, 21, 'the load per permit looks lower than it is');
    assert.equal(admission.tryAdmit(30, TARGET), 2);
    admission.release(2);
    assert.equal(admission.tryAdmit(30, TARGET), 0, 'not refilled: 19 working, and the limit of 21 came from a load that counted the 2 released');
    admission.requestStarted()({ latencyMs: 1, overloaded: false, loadPercent: simulatedLoad(19) });
    assert.equal(admission.state.limit, 19);
    assert.equal(admission.tryAdmit(30, TARGET), 0, 'at the service: 19, 44.2 %, never 21');
  });

  it('sets an answer’s load against the operations in flight when its request went out, not those let in since', () => {
    const admission = new AdaptiveAdmission();
    admission.tryAdmit(1, TARGET);
    admission.requestStarted()({ latencyMs: 1, overloaded: false, loadPercent: simulatedLoad(1) });
    admission.tryAdmit(2, TARGET);
    const poll = admission.requestStarted();
    assert.equal(admission.tryAdmit(10, TARGET), 0, 'at the limit of 3');
    admission.requestStarted()({ latencyMs: 1, overloaded: false, loadPercent: simulatedLoad(3) });
    assert.equal(admission.tryAdmit(10, TARGET), 5, '3 + 5 = 8 fit under 45 %');
    poll({ latencyMs: 1, overloaded: false, loadPercent: simulatedLoad(3) });
    assert.deepEqual(admission.state, { limit: 8, inFlight: 8 }, 'the poll saw 3 in flight: 8 fit, not 8 + 5');
  });
});
