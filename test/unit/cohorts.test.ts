import assert from 'node:assert/strict';
import {
  CohortDimensions,
  CohortSelector,
  cohortKey,
  cohortOf,
  cohortSelector,
  matches,
} from '../../src/engine/model/cohorts';
import { DeviceAttributes } from '../../src/engine/ports/fleetProvider';

const device = (id: string, attributes: Partial<DeviceAttributes> = {}) => ({
  id,
  attributes: DeviceAttributes.parse({ region: 'eu-west', hardwareRevision: 'rev-a', ...attributes }),
});
const select = (selector: unknown) => CohortSelector.parse(selector);

describe('cohorts', () => {
  describe('selectors', () => {
    const gateway = device('gw-1', { ring: 'beta', region: 'eu-west', hardwareRevision: 'rev-b', tags: ['solar', 'pilot-site'], batteryBacked: true });

    it('matches every device when empty', () => assert.equal(matches(gateway, select({})), true));

    it('requires every field it sets', () => {
      assert.equal(matches(gateway, select({ region: 'eu-west', hardwareRevision: 'rev-b' })), true);
      assert.equal(matches(gateway, select({ region: 'eu-west', hardwareRevision: 'rev-a' })), false);
    });

    it('takes one value or a list of alternatives', () => {
      assert.deepEqual(select({ region: 'eu-west' }).region, ['eu-west']);
      assert.equal(matches(gateway, select({ region: ['us-east', 'eu-west'] })), true);
      assert.equal(matches(gateway, select({ ring: ['alpha', 'internal'] })), false);
    });

    it('distinguishes any of the tags from all of them', () => {
      assert.equal(matches(gateway, select({ tags: { any: ['solar', 'wind'] } })), true);
      assert.equal(matches(gateway, select({ tags: { all: ['solar', 'wind'] } })), false);
      assert.equal(matches(gateway, select({ tags: { all: ['solar', 'pilot-site'] } })), true);
    });

    it('tells battery-backed gateways from mains-powered ones', () => {
      assert.equal(matches(gateway, select({ batteryBacked: true })), true);
      assert.equal(matches(device('gw-2'), select({ batteryBacked: true })), false);
    });

    it('puts a device without a ring in production', () => {
      assert.equal(matches(device('gw-2'), select({ ring: 'production' })), true);
    });

    it('refuses fields it does not know', () => {
      assert.equal(CohortSelector.safeParse({ hardware: 'rev-b' }).success, false);
    });
  });

  describe('cohort keys', () => {
    const dimensions = CohortDimensions.parse(undefined);

    it('groups by hardware revision and region by default', () => {
      assert.deepEqual(cohortOf(device('gw-1', { ring: 'beta' }), dimensions), { hardwareRevision: 'rev-a', region: 'eu-west' });
    });

    it('gives equal cohorts one key whatever their field order, and different cohorts different keys', () => {
      assert.equal(cohortKey({ region: 'eu-west', hardwareRevision: 'rev-b' }), 'region=eu-west,hardwareRevision=rev-b');
      assert.equal(cohortKey({ hardwareRevision: 'rev-b', region: 'eu-west' }), cohortKey({ region: 'eu-west', hardwareRevision: 'rev-b' }));
      assert.notEqual(cohortKey({ region: 'a,hardwareRevision=b' }), cohortKey({ region: 'a', hardwareRevision: 'b' }));
    });

    it('selects exactly the devices of a failing cohort for a selective rollback', () => {
      const fleet = [
        device('gw-1', { hardwareRevision: 'rev-b' }),
        device('gw-2', { hardwareRevision: 'rev-b', region: 'us-east' }),
        device('gw-3'),
        device('gw-4', { hardwareRevision: 'rev-b', ring: 'alpha' }),
      ];
      const failing = cohortOf(fleet[0]!, dimensions);
      const selected = fleet.filter((gateway) => matches(gateway, cohortSelector(failing))).map((gateway) => gateway.id);
      assert.deepEqual(selected, ['gw-1', 'gw-4']);
    });

    it('refuses a dimension listed twice', () => {
      assert.equal(CohortDimensions.safeParse(['region', 'region']).success, false);
    });
  });
});
