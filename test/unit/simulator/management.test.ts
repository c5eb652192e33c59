import assert from 'node:assert/strict';
import { admission, managementLoad } from '../../../rig/simulator/management';
import { DEFAULT_MODEL } from '../../../rig/simulator/model';

const model = DEFAULT_MODEL.management;

describe('management service load', () => {
  it('saturates at about 50 operations in flight, as the seed says', () => {
    assert.equal(managementLoad(model, 0).cpuPercent, model.baseCpuPercent);
    assert.equal(managementLoad(model, 49).saturated, false);
    assert.equal(managementLoad(model, 50).saturated, true);
    const bulk = managementLoad(model, 200);
    assert.equal(bulk.cpuPercent, 100);
    assert.ok(bulk.overload > 2);
  });

  it('lets requests wait longer as it fills, and refuses them with Retry-After past its timeout', () => {
    const idle = admission(model, managementLoad(model, 0));
    const busy = admission(model, managementLoad(model, 45));
    assert.ok(idle.admitted && busy.admitted);
    assert.ok(busy.waitMs > idle.waitMs);
    const saturated = admission(model, managementLoad(model, 50));
    assert.deepEqual(saturated, { admitted: false, waitMs: model.requestTimeoutMs, retryAfterMs: model.retryAfterMs });
  });
});
