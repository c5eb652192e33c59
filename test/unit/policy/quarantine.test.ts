import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import {
  DeviceQuarantinePolicy,
  FIRMWARE_QUARANTINED,
  FirmwareQuarantine,
  MissedDevice,
  assertNotQuarantined,
  deviceQuarantine,
  quarantineFirmware,
  quarantineOf,
  summarizeMissed,
} from '../../../src/engine/model/policy/quarantine';

const AT = Date.parse('2026-03-01T12:00:00Z');
const defaults = DeviceQuarantinePolicy.parse({});
const failed = (errorCode?: string) => ({ succeeded: false, ...(errorCode && { errorCode }) });
const succeeded = { succeeded: true };
const attemptsOf = (...attempts: { succeeded: boolean; errorCode?: string }[]) => ({ deviceId: 'gw-7', currentVersion: '1.9.0', attempts });

describe('policy/quarantine', () => {
  describe('devices', () => {
    it('quarantines after three failures in a row, with the last error code and the version it still runs', () => {
      const record = deviceQuarantine(attemptsOf(failed('E_DOWNLOAD'), failed('E_DOWNLOAD'), failed('E_FLASH')), defaults, AT);
      assert.deepEqual(record, {
        deviceId: 'gw-7',
        currentVersion: '1.9.0',
        consecutiveFailures: 3,
        lastErrorCode: 'E_FLASH',
        at: '2026-03-01T12:00:00.000Z',
      });
    });

    it('leaves a device with fewer failures in the rollout', () => {
      assert.equal(deviceQuarantine(attemptsOf(failed('E'), failed('E')), defaults, AT), undefined);
    });

    it('counts only failures since the last success', () => {
      const attempts = attemptsOf(failed('E'), failed('E'), succeeded, failed('E'), failed('E'));
      assert.equal(deviceQuarantine(attempts, defaults, AT), undefined);
      assert.equal(deviceQuarantine(attempts, DeviceQuarantinePolicy.parse({ maxConsecutiveFailures: 2 }), AT)?.consecutiveFailures, 2);
    });
  });

  describe('firmware', () => {
    const records = [quarantineFirmware('2.0.0', 'crash rate stayed elevated after the decision deadline', AT)];

    it('records a quarantine in the schema that stores it', () => {
      assert.deepEqual(FirmwareQuarantine.parse(records[0]), records[0]);
    });

    it('refuses to ship a quarantined firmware, as a non-retryable failure naming when and why', () => {
      assert.throws(
        () => assertNotQuarantined('2.0.0', records),
        (error: unknown) => {
          assert.ok(error instanceof ApplicationFailure);
          assert.equal(error.type, FIRMWARE_QUARANTINED);
          assert.equal(error.nonRetryable, true);
          assert.match(error.message, /2\.0\.0 was quarantined at 2026-03-01T12:00:00\.000Z \(crash rate stayed elevated/);
          return true;
        },
      );
    });

    it('treats a rebuild with the same version number as the quarantined firmware', () => {
      assert.equal(quarantineOf('2.0.0+build.7', records)?.version, '2.0.0');
    });

    it('lets other versions through', () => {
      assert.doesNotThrow(() => assertNotQuarantined('2.0.1', records));
      assert.doesNotThrow(() => assertNotQuarantined('2.0.0', []));
    });
  });

  describe('missed devices', () => {
    const row = (deviceId: string, reason: MissedDevice['reason'], cohort: string): MissedDevice =>
      MissedDevice.parse({ deviceId, cohort, currentVersion: '1.9.0', targetVersion: '2.0.0', reason, detail: '' });

    it('refuses a row without a known reason', () => {
      assert.equal(MissedDevice.safeParse({ ...row('gw-1', 'offline', 'region=eu'), reason: 'bad luck' }).success, false);
    });

    it('counts misses by reason and by cohort', () => {
      const rows = [
        row('gw-1', 'offline', 'hardwareRevision=rev-b,region=eu'),
        row('gw-2', 'offline', 'hardwareRevision=rev-a,region=eu'),
        row('gw-3', 'preflight_deferred', 'hardwareRevision=rev-b,region=eu'),
      ];
      assert.deepEqual(summarizeMissed(rows), {
        total: 3,
        byReason: { offline: 2, preflight_deferred: 1 },
        byCohort: { 'hardwareRevision=rev-b,region=eu': 2, 'hardwareRevision=rev-a,region=eu': 1 },
      });
    });
  });
});
