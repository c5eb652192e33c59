import assert from 'node:assert/strict';
import { judge, type VerdictInput } from '../../../bench/campaign/verdict';
import type { DeviceCounts } from '../../../src/engine/model/status';

const counts = (changes: Partial<DeviceCounts>): DeviceCounts => ({ pending: 0, succeeded: 0, failed: 0, deferred: 0, rolled_back: 0, excluded: 0, ...changes });
const update = (deviceId: string, generation: number, changes: Partial<VerdictInput['commands'][number]> = {}) => ({
  kind: 'update' as const,
  deviceId,
  idempotencyKey: `r1/${deviceId}/${generation}`,
  duplicate: false,
  atMs: 0,
  ...changes,
});

/** Three gateways, all updated once and reported succeeded: the clean run every case below spoils. */
const clean = (): VerdictInput => ({
  targetVersion: '2.0.0',
  gateways: ['gw-1', 'gw-2', 'gw-3'].map((deviceId) => ({ deviceId, firmwareVersion: '2.0.0' })),
  commands: [update('gw-1', 1), update('gw-2', 1), update('gw-3', 1)],
  account: ['gw-1', 'gw-2', 'gw-3'].map((deviceId) => ({ deviceId, state: 'succeeded' as const })),
  counts: counts({ succeeded: 3 }),
});

describe("the chaos campaign's verdict, from the simulator's ground truth", () => {
  it('finds nothing wrong with a clean run, and counts what it judged', () => {
    assert.deepEqual(judge(clean()), { duplicates: [], lost: [], mismatches: [], countMismatches: [], targets: 3, updated: 3 });
  });

  it('does not count a replayed request that the simulator recognised by its key, nor a retry after a failure', () => {
    const input = clean();
    input.commands.push(update('gw-1', 1, { duplicate: true }), update('gw-2', 2, { previousState: 'failed' }), update('gw-3', 2, { previousState: 'rolled_back' }));
    assert.deepEqual(judge(input).duplicates, []);
  });

  it('counts a device commanded again while its update ran or after it succeeded', () => {
    const input = clean();
    input.commands.push(update('gw-1', 2, { previousState: 'downloading' }), update('gw-3', 2, { previousState: 'succeeded' }));
    assert.deepEqual(judge(input).duplicates, ['gw-1', 'gw-3']);
  });

  it('counts one key the simulator applied twice', () => {
    const input = clean();
    input.commands.push(update('gw-2', 1));
    assert.deepEqual(judge(input).duplicates, ['gw-2']);
  });

  it('calls a target still pending and not updated lost, and one failed and not updated accounted for', () => {
    const input = clean();
    input.gateways[0]!.firmwareVersion = '1.0.0';
    input.gateways[1]!.firmwareVersion = '1.0.0';
    input.account[0]!.state = 'pending';
    input.account[1]!.state = 'failed';
    input.counts = counts({ pending: 1, failed: 1, succeeded: 1 });
    const verdict = judge(input);
    assert.deepEqual([verdict.lost, verdict.mismatches, verdict.countMismatches], [['gw-1'], [], []]);
  });

  it('calls a device reported succeeded but not on the new firmware a mismatch, and the other way round', () => {
    const input = clean();
    input.gateways[0]!.firmwareVersion = '1.0.0';
    input.account[2]!.state = 'failed';
    input.counts = counts({ succeeded: 2, failed: 1 });
    assert.deepEqual(judge(input).mismatches, ['gw-1', 'gw-3']);
  });

  it("compares the rollout's counts with the simulator and with its targets", () => {
    const input = clean();
    input.counts = counts({ succeeded: 2, failed: 2 });
    assert.deepEqual(judge(input).countMismatches, ['succeeded: 2 reported, 3 of the targets on 2.0.0', 'devices: 4 counted, 3 targets']);
  });
});
