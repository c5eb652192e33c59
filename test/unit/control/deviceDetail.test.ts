import assert from 'node:assert/strict';
import { DeviceFilter, findDevice, listDevices } from '../../../src/adapters/deviceApi/deviceDetail';
import { temporaryLedger } from '../../helpers/fixtures';
import type { SqlLedger } from '../../../src/adapters/ledger/sqlLedger';

describe('device detail from the ledger', () => {
  let ledger: SqlLedger;
  const all = DeviceFilter.parse({});

  before(async () => {
    ledger = await temporaryLedger();
    await ledger.saveTargets('fw-1', [
      { stage: 'canary', devices: [{ id: 'gw-1', fromVersion: '1.0.0' }, { id: 'gw-2', fromVersion: '1.0.0' }] },
      { stage: 'wave', devices: [{ id: 'gw-3', fromVersion: '1.1.0' }] },
    ]);
    await ledger.recordOutcomes('fw-1', [
      { deviceId: 'gw-1', stage: 'canary', state: 'succeeded', attempts: 1, operationId: 'op-1' },
      { deviceId: 'gw-2', stage: 'canary', state: 'failed', attempts: 5, reason: 'DeviceUpdateFailed: FLASH_WRITE_ERROR' },
    ]);
  });

  it('joins targets with their latest outcome; devices without one are pending', async () => {
    const page = await listDevices(ledger, 'fw-1', all);
    assert.deepEqual(page?.devices.map(({ deviceId, state, attempts }) => [deviceId, state, attempts]), [
      ['gw-1', 'succeeded', 1],
      ['gw-2', 'failed', 5],
      ['gw-3', 'pending', 0],
    ]);
    assert.equal((await findDevice(ledger, 'fw-1', 'gw-2'))?.reason, 'DeviceUpdateFailed: FLASH_WRITE_ERROR');
  });

  it('filters by state and stage and pages', async () => {
    assert.deepEqual((await listDevices(ledger, 'fw-1', DeviceFilter.parse({ state: 'failed' })))?.devices.map((device) => device.deviceId), ['gw-2']);
    assert.deepEqual((await listDevices(ledger, 'fw-1', DeviceFilter.parse({ stage: 'wave' })))?.devices.map((device) => device.deviceId), ['gw-3']);
    const page = await listDevices(ledger, 'fw-1', DeviceFilter.parse({ limit: '1', offset: '1' }));
    assert.deepEqual([page?.total, page?.devices.map((device) => device.deviceId)], [3, ['gw-2']]);
  });

  after(() => ledger.close());

  it('knows no rollout the ledger never saw', async () => {
    assert.equal(await listDevices(ledger, 'fw-unknown', all), undefined);
    assert.equal(await findDevice(ledger, 'fw-1', 'gw-9'), undefined);
  });
});
