import assert from 'node:assert/strict';
import { answer, budgetHeadline, budgetView, effectiveLimit, inFlight, release, request, settle, type BudgetState, type LeaseRequest } from '../../src/engine/model/budget';

const TTL = 60_000;
const ask = (requestId: string, rolloutId: string, operations: number, priority: LeaseRequest['priority'] = 'normal'): LeaseRequest => ({ requestId, rolloutId, priority, operations });
const empty = (limit: number): BudgetState => ({ limit, leases: [], waiting: [] });
const granted = (state: BudgetState) => state.leases.map((lease) => lease.requestId);

describe('the fleet budget', () => {
  it('grants leases up to the limit and queues the rest until operations come back', () => {
    let state = empty(10);
    state = request(state, ask('a1', 'a', 6), 0, TTL);
    state = request(state, ask('b1', 'b', 5), 1, TTL);
    assert.deepEqual(granted(state), ['a1']);
    assert.deepEqual(answer(state, 'b1'), { granted: false, position: 1, waiting: 1 });
    assert.equal(inFlight(state), 6);
    state = settle(release(state, 'a1'), 2);
    assert.deepEqual(granted(state), ['b1']);
    assert.deepEqual(answer(state, 'b1'), { granted: true, expiresAtMs: 1 + TTL });
  });

  it('serves a higher priority first, then the rollout holding the fewest operations, then the longest waiting', () => {
    let state = request(empty(6), ask('a1', 'a', 2), 0, TTL);
    state = request(state, ask('x1', 'x', 4), 0, TTL);
    state = request(state, ask('a2', 'a', 2), 1, TTL);
    state = request(state, ask('b1', 'b', 2), 2, TTL);
    state = request(state, ask('h1', 'hotfix', 2, 'high'), 3, TTL);
    state = request(state, ask('c1', 'c', 2, 'low'), 4, TTL);
    state = settle(release(state, 'x1'), 5);
    assert.deepEqual(granted(state), ['a1', 'h1', 'b1'], 'the hotfix, then b: a asked before b but holds 2 and b nothing');
    state = settle(release(release(state, 'h1'), 'b1'), 6);
    assert.deepEqual(granted(state), ['a1', 'a2', 'c1']);
  });

  it('lets a request larger than the limit through once the budget is empty, so it never starves', () => {
    let state = request(empty(3), ask('a1', 'a', 2), 0, TTL);
    state = request(state, ask('big', 'b', 5), 1, TTL);
    state = request(state, ask('small', 'c', 1), 2, TTL);
    assert.deepEqual(granted(state), ['a1'], 'the small request does not pass the big one waiting ahead of it');
    state = settle(release(state, 'a1'), 3);
    assert.deepEqual(granted(state), ['big']);
  });

  it('takes back the leases and requests of a rollout that stopped asking, and keeps those asked again', () => {
    let state = request(empty(4), ask('dead', 'a', 4), 0, TTL);
    state = request(state, ask('b1', 'b', 2), 10, TTL);
    state = request(state, ask('b1', 'b', 2), 30_000, TTL);
    assert.deepEqual(granted(settle(state, TTL - 1)), ['dead']);
    state = settle(state, TTL);
    assert.deepEqual(granted(state), ['b1'], 'the dead lease expired at its TTL');
    assert.deepEqual(answer(state, 'b1'), { granted: true, expiresAtMs: 30_000 + TTL });
    assert.deepEqual(granted(settle(state, 30_000 + TTL)), [], 'b1 was not renewed either');
    assert.equal(answer(settle(state, 30_000 + TTL), 'b1'), undefined);
  });

  it('asked again, keeps one lease per request', () => {
    let state = request(empty(10), ask('a1', 'a', 3), 0, TTL);
    state = request(state, ask('a1', 'a', 3), 5, TTL);
    assert.equal(inFlight(state), 3);
    assert.deepEqual(budgetView('fleet-1', request(state, ask('b1', 'b', 9), 6, TTL)), {
      fleet: 'fleet-1',
      limit: 10,
      inFlight: 3,
      rollouts: [
        { rolloutId: 'a', priority: 'normal', leased: 3, waiting: 0 },
        { rolloutId: 'b', priority: 'normal', leased: 0, waiting: 9 },
      ],
    });
  });

  describe("following the workers' adaptive limits", () => {
    const reported = (worker: string, limit: number) => ({ serviceLimit: { worker, limit } });

    it('grants no more than the limits the workers reported add up to, while under the fleet limit', () => {
      let state = request(empty(10), { ...ask('a1', 'a', 2), ...reported('w1', 3) }, 0, TTL);
      state = request(state, ask('b1', 'b', 2), 1, TTL);
      assert.equal(effectiveLimit(state), 3);
      assert.deepEqual(granted(state), ['a1'], 'b would take the service to 4 operations, over its 3');
      state = request(state, { ...ask('a1', 'a', 2), ...reported('w2', 2) }, 2, TTL);
      assert.equal(effectiveLimit(state), 5, 'two workers: 3 + 2');
      assert.deepEqual(granted(state), ['a1', 'b1']);
      assert.equal(effectiveLimit(request(state, { ...ask('a1', 'a', 2), ...reported('w1', 30) }, 3, TTL)), 10, 'never above the fleet limit');
    });

    it("keeps each worker's latest limit, and forgets a worker's that goes unrenewed", () => {
      let state = request(empty(10), { ...ask('a1', 'a', 1), ...reported('w1', 4) }, 0, TTL);
      state = request(state, { ...ask('a2', 'a', 1), ...reported('w1', 2) }, 10, TTL);
      assert.equal(effectiveLimit(state), 2);
      state = request(state, ask('b1', 'b', 1), TTL + 10, 2 * TTL);
      assert.equal(effectiveLimit(state), 10, "w1's report expired with its time to live: the fleet limit again");
      assert.equal(state.serviceLimits, undefined);
    });

    it('says which limit holds the budget back', () => {
      const state = request(empty(10), { ...ask('a1', 'a', 2), ...reported('w1', 3) }, 0, TTL);
      const view = budgetView('fleet-1', state);
      assert.deepEqual(view.service, { limit: 3, workers: 1 });
      assert.equal(budgetHeadline(view), "2 of 3 operations in flight: the service's adaptive limit (one worker), under the fleet limit of 10");
      assert.equal(budgetHeadline(budgetView('fleet-1', empty(10))), '0 of 10 operations in flight');
    });
  });
});
