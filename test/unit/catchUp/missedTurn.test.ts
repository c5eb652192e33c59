import assert from 'node:assert/strict';
import { Plan, quarantineAfterAttempts } from '../../../src/engine/model/plan';
import type { DeviceOutcome } from '../../../src/engine/model/status';
import { countsByStage, groupMisses, missOf } from '../../../src/engine/model/catchUp/missedReport';
import type { StageOutcomeCount } from '../../../src/engine/ports/ledger';
import { withdrawnOutcome } from '../../../src/engine/model/deviceAttempts';
import { NO_STAGE_REASON } from '../../../src/engine/model/stageAllocation';
import { catchUpVerdict, failedUpdates, quarantinedOutcome } from '../../../src/engine/model/catchUp/missedTurn';
import type { Operation, OperationState } from '../../../src/engine/ports/fleetProvider';
import { planFor } from '../../helpers/fixtures';

const operation = (generation: number, state: OperationState, errorCode?: string): Operation => ({
  operationId: `op-${generation}`,
  deviceId: 'gw-1',
  kind: 'update',
  idempotencyKey: `r/gw-1/${generation}`,
  correlationId: 'r',
  state,
  duplicate: false,
  targetVersion: '2.0.0',
  ...(errorCode ? { errorCode } : {}),
});
const outcome = (state: DeviceOutcome['state'], reason?: string): DeviceOutcome => ({ deviceId: 'gw-1', stage: 'wave', state, attempts: 0, ...(reason ? { reason } : {}) });

describe('devices that missed their turn', () => {
  it('counts failed updates from the latest operation: every generation before it, and it when it failed', () => {
    assert.equal(failedUpdates(undefined), 0);
    assert.equal(failedUpdates(operation(3, 'failed')), 3);
    assert.equal(failedUpdates(operation(3, 'downloading')), 2, 'one still going at its timeout has not failed');
    assert.equal(failedUpdates(operation(1, 'succeeded')), 0);
  });

  it('re-checks deferred and unreachable devices, quarantines one out of attempts, leaves real failures alone', () => {
    assert.equal(catchUpVerdict(outcome('deferred', 'offline'), undefined, 5), 'recheck');
    assert.equal(catchUpVerdict(outcome('failed'), operation(2, 'downloading'), 5), 'recheck', 'unreachable until its attempts timed out');
    assert.equal(catchUpVerdict(outcome('failed'), undefined, 5), 'recheck', 'the fleet created no operation');
    assert.equal(catchUpVerdict(outcome('failed'), operation(4, 'failed', 'FLASH_WRITE_ERROR'), 5), 'recheck', 'one failed update to spare');
    assert.equal(catchUpVerdict(outcome('failed'), operation(5, 'failed', 'FLASH_WRITE_ERROR'), 5), 'quarantine');
    assert.equal(catchUpVerdict(outcome('deferred', 'cpu 90% ≥ 40%'), operation(5, 'failed'), 5), 'quarantine', 'deferred after its failures: still out of attempts');
    assert.equal(catchUpVerdict(outcome('failed'), operation(1, 'rolled_back'), 5), 'settled', 'rolled itself back');
    assert.equal(catchUpVerdict(outcome('failed'), operation(1, 'failed', 'POWER_LOSS'), 5), 'settled', 'needs a person');
    assert.equal(catchUpVerdict(outcome('succeeded'), operation(1, 'succeeded'), 5), 'settled');
    assert.equal(catchUpVerdict(outcome('quarantined'), operation(5, 'failed'), 5), 'settled', 'never retried again');
  });

  it('records a quarantined device with its last error code and current version', () => {
    const record = quarantinedOutcome(outcome('failed'), operation(5, 'failed', 'FLASH_WRITE_ERROR'), '1.0.0');
    assert.deepEqual([record.state, record.attempts, record.errorCode, record.currentVersion], ['quarantined', 5, 'FLASH_WRITE_ERROR', '1.0.0']);
  });

  it('quarantines after the retry budget unless the plan says otherwise', () => {
    assert.equal(quarantineAfterAttempts(Plan.parse(planFor('n', { retry: { maximumAttempts: 3 } }))), 3);
    assert.equal(quarantineAfterAttempts(Plan.parse(planFor('n', { catchUp: { quarantineAfterAttempts: 8 } }))), 8);
    const defaults = Plan.parse(planFor('n')).catchUp;
    assert.deepEqual([defaults.rolloutWindow, defaults.recheckInterval], [7 * 24 * 3_600_000, 3_600_000]);
    const tooOften = Plan.safeParse(planFor('n', { catchUp: { recheckInterval: '1 minute' } }));
    assert.deepEqual(tooOften.error?.issues[0]?.path, ['catchUp', 'recheckInterval']);
    assert.match(tooOften.error?.issues[0]?.message ?? '', /at least 11 minutes/);
  });
});

describe('who missed the rollout', () => {
  it('says why: offline, not ready, quarantined, unreachable, failed for good, excluded', () => {
    assert.equal(missOf(outcome('succeeded'), operation(1, 'succeeded')), undefined);
    assert.deepEqual(missOf(outcome('deferred', 'offline'), undefined), { reason: 'offline', detail: 'offline at every check' });
    assert.deepEqual(missOf(outcome('deferred', 'battery 20% ≤ 50%'), undefined), { reason: 'preflight_deferred', detail: 'battery 20% ≤ 50%' });
    assert.equal(missOf(outcome('failed', 'still downloading'), operation(1, 'downloading'))?.reason, 'offline');
    assert.equal(missOf(outcome('failed', 'DeviceNeedsIntervention'), operation(1, 'failed', 'POWER_LOSS'))?.reason, 'update_failed');
    assert.equal(missOf({ ...outcome('excluded', 'below the minimum source version'), stage: '' }, undefined)?.reason, 'version_policy');
    assert.equal(missOf({ ...outcome('excluded', NO_STAGE_REASON), stage: '' }, undefined)?.reason, 'no_stage');
    assert.equal(missOf(withdrawnOutcome('gw-1', 'wave'), undefined)?.reason, 'cohort_withdrawn');
    const quarantined = quarantinedOutcome(outcome('failed'), operation(5, 'failed', 'E_FLASH'), '1.0.0');
    assert.deepEqual(missOf(quarantined, undefined), { reason: 'device_quarantined', detail: 'E_FLASH after 5 failed updates, on 1.0.0' });
  });

  it('groups misses by reason with counts, naming the first devices of each', () => {
    const misses = [
      { deviceId: 'a', reason: 'device_quarantined' as const, detail: 'E after 5' },
      { deviceId: 'b', reason: 'offline' as const, detail: 'x' },
      { deviceId: 'c', reason: 'offline' as const, detail: 'y' },
    ];
    assert.deepEqual(groupMisses(misses, 1), {
      total: 3,
      groups: [
        { reason: 'offline', devices: 2, examples: [{ deviceId: 'b', detail: 'x' }] },
        { reason: 'device_quarantined', devices: 1, examples: [{ deviceId: 'a', detail: 'E after 5' }] },
      ],
    });
  });

  it('counts each device once per stage, where it ended, a quarantine as a failure, adding up to the stage size', () => {
    const counts: StageOutcomeCount[] = [
      { stageIndex: 0, state: 'succeeded', devices: 3 },
      { stageIndex: 1, state: 'quarantined', devices: 2 },
      { stageIndex: 1, state: 'failed', devices: 1 },
      { stageIndex: 1, state: 'excluded', devices: 1 },
      { stageIndex: 1, devices: 4 },
      { stageIndex: 2, state: 'succeeded', devices: 9 },
    ];
    assert.deepEqual(countsByStage(counts, ['canary', 'wave']), [
      { pending: 0, succeeded: 3, failed: 0, deferred: 0, rolled_back: 0, excluded: 0 },
      { pending: 4, succeeded: 0, failed: 3, deferred: 0, rolled_back: 0, excluded: 1 },
    ]);
  });
});
