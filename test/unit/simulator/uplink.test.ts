import assert from 'node:assert/strict';
import { allocateUplink, congestion } from '../../../rig/simulator/uplink';

const sum = (values: number[]): number => values.reduce((total, value) => total + value, 0);

describe('shared uplink', () => {
  it('gives every flow its own link rate when the uplink has room', () => {
    assert.deepEqual(allocateUplink([{ capMbps: 3, weight: 1 }, { capMbps: 4, weight: 0.5 }], 10), [3, 4]);
    assert.equal(congestion([{ capMbps: 3, weight: 1 }], 10), 0);
  });

  it('shares a congested uplink in proportion to weight, never above a flow’s own link', () => {
    const flows = [
      { capMbps: 1, weight: 1 },
      { capMbps: 10, weight: 1 },
      { capMbps: 10, weight: 3 },
    ];
    const rates = allocateUplink(flows, 9);
    assert.equal(rates[0], 1);
    assert.ok(Math.abs(rates[1]! - 2) < 1e-9);
    assert.ok(Math.abs(rates[2]! - 6) < 1e-9);
    assert.ok(Math.abs(sum(rates) - 9) < 1e-9);
  });

  it('measures congestion as demand over capacity, minus one', () => {
    assert.equal(congestion(Array.from({ length: 200 }, () => ({ capMbps: 3, weight: 1 })), 200), 2);
  });
});
