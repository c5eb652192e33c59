import assert from 'node:assert/strict';
import { addPage, endPass, KillSwitchRequest, startProgress } from '../../src/engine/model/killSwitch';
import { InvalidInputError, parseOrThrow } from '../../src/engine/model/validation';

const page = (on: number, commanded: number, waiting: number, nextCursor?: string) => ({ scanned: 1000, on, commanded, waiting, ...(nextCursor ? { nextCursor } : {}) });

describe('kill switch progress', () => {
  it('adds pages to the pass and moves the cursor, dropping it at the end of the inventory', () => {
    let progress = startProgress('new_sensor_algorithm', 1_000);
    assert.equal(progress.correlationId, 'kill-switch:new_sensor_algorithm/1000');
    progress = addPage(progress, page(400, 390, 10, '1000'));
    assert.equal(progress.cursor, '1000');
    progress = addPage(progress, page(100, 100, 0));
    assert.equal(progress.cursor, undefined);
    assert.deepEqual(progress.pass, { number: 1, scanned: 2000, on: 500, commanded: 490, waiting: 10 });
    assert.equal(progress.commanded, 490);
  });

  it('is done only after a pass that read every device off, and counts commands over passes', () => {
    const first = endPass(addPage(startProgress('flag_a', 0), page(5, 5, 0)));
    assert.equal(first.done, false);
    assert.equal(first.progress.pass.number, 2);
    assert.equal(first.progress.lastFullPass?.on, 5);
    const second = endPass(addPage(first.progress, page(0, 0, 0)));
    assert.equal(second.done, true);
    assert.equal(second.progress.commanded, 5);
  });
});

const REQUEST: Record<string, unknown> = { flag: 'new_sensor_algorithm', by: 'alice@ops', reason: 'crashes' };

describe('kill switch request', () => {
  it('resolves its defaults', () => {
    const request = KillSwitchRequest.parse({ flag: 'new_sensor_algorithm', by: 'alice@ops', reason: 'crashes on rev-b' });
    assert.deepEqual([request.pageSize, request.recheckInterval, request.window, request.pagesPerRun], [1000, 60_000, 7 * 24 * 3_600_000, 500]);
  });

  for (const [field, change, message] of [
    ['flag', { flag: 'New Sensor' }, /lower-case letters, digits and underscores/],
    ['reason', { reason: '' }, /say why/],
    ['pageSize', { pageSize: 5000 }, /at most 1000/],
    ['recheckInterval', { recheckInterval: 'soon' }, /not a duration/],
  ] as const) {
    it(`refuses a bad ${field}, naming it`, () => {
      assert.throws(
        () => parseOrThrow(KillSwitchRequest, { ...REQUEST, ...change }, 'kill switch request'),
        (error: unknown) => error instanceof InvalidInputError && error.issues.some((issue) => issue.path === field && message.test(issue.message)),
      );
    });
  }
});
