import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManualClock, RealtimeClock } from '../../../rig/simulator/clock';

describe('simulation clocks', () => {
  it('a manual clock runs whole steps only, carrying the remainder', () => {
    const clock = new ManualClock(1000);
    const steps: number[] = [];
    clock.attach((dtMs) => steps.push(dtMs));
    clock.advance(2500);
    assert.deepEqual(steps, [1000, 1000]);
    clock.advance(500);
    assert.equal(steps.length, 3);
    clock.restart();
    clock.advance(999);
    assert.equal(steps.length, 3);
  });

  it('a real-time clock runs nothing before it starts, then catches up with real time × speedup', async () => {
    const clock = new RealtimeClock(100_000, 1000);
    let steps = 0;
    clock.attach(() => (steps += 1));
    await sleep(20);
    clock.sync();
    assert.equal(steps, 0);
    clock.start();
    await sleep(20);
    clock.sync();
    clock.stop();
    assert.ok(steps > 0);
    assert.equal(clock.realMsFor(100_000), 1);
  });
});
