import assert from 'node:assert/strict';
import type { RolloutStatus } from '../../../src/engine/model/status';
import { emptyCounts } from '../../../src/engine/model/status';
import { formatReport } from '../../../src/cli/format';
import { renderDashboard } from '../../../src/engine/workflows/rolloutDashboard';

const status: RolloutStatus = {
  rolloutId: 'fw-2.0.0',
  firmwareVersion: '2.0.0',
  state: 'completed',
  devices: { ...emptyCounts(), succeeded: 38, failed: 1, deferred: 1 },
  stages: [{ name: 'all', devices: 40, batches: 1, batchesDone: 1, state: 'completed', counts: { ...emptyCounts(), succeeded: 38, failed: 1, deferred: 1 } }],
  catchUp: { name: 'catch-up', devices: 1, batches: 1, batchesDone: 0, state: 'running', counts: emptyCounts(1), round: 3, windowClosesAt: '2026-11-29T09:00:00.000Z', nextRecheckAt: '2026-11-22T13:00:00.000Z' },
  decisions: [],
  decisionCount: 0,
  audit: [{ at: '2026-11-22T09:00:00.000Z', action: 'start', by: 'release-bot', via: 'start' }],
  auditCount: 1,
};

describe('the catch-up phase in views', () => {
  it('shows its round, next re-check and window on the dashboard, and a row named catch-up', () => {
    const dashboard = renderDashboard(status);
    assert.match(dashboard, /\*\*Catch-up\*\* \(devices that missed their turn\) running · round 3: 1 devices re-checked at 2026-11-22T13:00:00.000Z · window closes at 2026-11-29T09:00:00.000Z/);
    assert.match(dashboard, /\| catch-up \| running \| 0 of 1 \|/);
  });

  it('lists who missed the rollout in the report, by reason with counts', () => {
    const report = formatReport({
      execution: 'COMPLETED',
      status,
      result: {
        rolloutId: 'fw-2.0.0',
        state: 'completed',
        stages: [],
        elapsedMs: 0,
        missed: {
          total: 3,
          groups: [
            { reason: 'offline', devices: 2, examples: [{ deviceId: 'gw-00003', detail: 'offline at every check' }] },
            { reason: 'device_quarantined', devices: 1, examples: [{ deviceId: 'gw-00004', detail: 'FLASH_WRITE_ERROR after 3 failed updates, on 1.0.0' }] },
          ],
        },
      },
    });
    assert.match(report, /missed the rollout: 3 devices/);
    assert.match(report, /  offline: 2\n    gw-00003  offline at every check\n    … and 1 more\n  device quarantined: 1\n    gw-00004  FLASH_WRITE_ERROR after 3 failed updates, on 1.0.0/);
    assert.match(report, /^catch-up +1 +0\/1 +running/m);
  });
});
