import assert from 'node:assert/strict';
import {
  SemVer,
  VersionPolicy,
  checkRollbackTarget,
  checkRolloutVersions,
  compareVersions,
  deviceEligibility,
} from '../../../src/engine/model/policy/versionPolicy';

const policy = (input: Partial<VersionPolicy> = {}) => VersionPolicy.parse(input);
const device = (firmwareVersion: string) => ({ id: 'gw-1', firmwareVersion });
const reasonOf = (firmwareVersion: string, target: string, rules = policy()) => {
  const eligibility = deviceEligibility(device(firmwareVersion), target, rules);
  return eligibility.eligible ? 'eligible' : eligibility.reason;
};

describe('policy/versionPolicy', () => {
  describe('versions', () => {
    it('accepts semantic versions and names the expected form otherwise', () => {
      assert.equal(SemVer.parse('2.0.0-rc.1'), '2.0.0-rc.1');
      assert.equal(SemVer.safeParse('v1.5.0').success, true);
      const short = SemVer.safeParse('1.2');
      assert.equal(short.success, false);
      assert.match(short.error!.issues[0]!.message, /MAJOR\.MINOR\.PATCH/);
    });

    it('orders by semver precedence, not as text', () => {
      assert.ok(compareVersions('1.10.0', '1.9.0') > 0);
      assert.ok(compareVersions('2.0.0-rc.1', '2.0.0') < 0);
      assert.equal(compareVersions('2.0.0+build.1', '2.0.0+build.2'), 0);
    });

    it('defaults to no rules: the seeds give no versions', () => {
      assert.deepEqual(policy(), { requiredIntermediates: [], compatibility: [] });
    });
  });

  describe('per device', () => {
    it('lets a device on a newer minor through where text order would not', () => {
      assert.equal(reasonOf('1.10.0', '2.0.0', policy({ requiredIntermediates: ['1.9.0'] })), 'eligible');
    });

    it('refuses to skip a required intermediate, naming it', () => {
      const eligibility = deviceEligibility(device('1.2.0'), '2.0.0', policy({ requiredIntermediates: ['1.5.0'] }));
      assert.deepEqual(eligibility, {
        deviceId: 'gw-1',
        eligible: false,
        reason: 'missing_intermediate',
        message: 'on 1.2.0: must install the required intermediate 1.5.0 before 2.0.0',
      });
    });

    it('names the first intermediate still ahead of the device', () => {
      const rules = policy({ requiredIntermediates: ['1.8.0', '1.5.0', '1.1.0'] });
      const eligibility = deviceEligibility(device('1.2.0'), '2.0.0', rules);
      assert.match(eligibility.eligible ? '' : eligibility.message, /intermediate 1\.5\.0 /);
    });

    it('lets a device that is on the intermediate, or that is going to it, through', () => {
      const rules = policy({ requiredIntermediates: ['1.5.0'] });
      assert.equal(reasonOf('1.5.0', '2.0.0', rules), 'eligible');
      assert.equal(reasonOf('1.2.0', '1.5.0', rules), 'eligible');
    });

    it('excludes devices below the minimum source version', () => {
      const rules = policy({ minimumSourceVersion: '1.4.0' });
      assert.equal(reasonOf('1.3.9', '2.0.0', rules), 'below_minimum_source');
      assert.equal(reasonOf('1.4.0', '2.0.0', rules), 'eligible');
    });

    it('excludes devices already on the target, ahead of it, or reporting no semantic version', () => {
      assert.equal(reasonOf('2.0.0', '2.0.0'), 'already_on_target');
      assert.equal(reasonOf('2.1.0', '2.0.0'), 'ahead_of_target');
      assert.equal(reasonOf('build-42', '2.0.0'), 'unparseable_version');
    });
  });

  describe('before start', () => {
    const matrix = policy({
      compatibility: [
        { firmware: '2.0.0', minimumServerApi: '3.2.0' },
        { firmware: '1.0.0', minimumServerApi: '3.0.0' },
      ],
    });

    it('passes firmware the server API supports, using the row of the nearest earlier firmware', () => {
      assert.deepEqual(checkRolloutVersions({ targetVersion: '2.1.0', serverApiVersion: '3.2.0' }, matrix), { ok: true });
      assert.deepEqual(checkRolloutVersions({ targetVersion: '1.9.0', serverApiVersion: '3.1.0' }, matrix), { ok: true });
    });

    it('refuses firmware that needs a newer server API', () => {
      assert.deepEqual(checkRolloutVersions({ targetVersion: '2.1.0', serverApiVersion: '3.1.0' }, matrix), {
        ok: false,
        problems: ['firmware 2.1.0 needs server API 3.2.0 or later; the server runs 3.1.0'],
      });
    });

    it('refuses firmware the matrix does not cover, or a server whose API version is unknown', () => {
      const uncovered = checkRolloutVersions({ targetVersion: '0.9.0', serverApiVersion: '3.2.0' }, matrix);
      assert.match(uncovered.ok ? '' : uncovered.problems.join(), /no row for 0\.9\.0/);
      const unknown = checkRolloutVersions({ targetVersion: '2.0.0' }, matrix);
      assert.match(unknown.ok ? '' : unknown.problems.join(), /API version is unknown/);
    });

    it('checks no server API when the plan has no matrix', () => {
      assert.deepEqual(checkRolloutVersions({ targetVersion: '2.0.0' }, policy()), { ok: true });
    });

    it('lists every problem at once', () => {
      const rules = policy({ ...matrix, antiRollbackMinimum: '2.0.0', minimumSourceVersion: '1.9.0' });
      const check = checkRolloutVersions({ targetVersion: '1.8.0', serverApiVersion: '2.0.0' }, rules);
      assert.equal(check.ok ? 0 : check.problems.length, 3);
    });

    it('refuses a compatibility matrix with two rows for one firmware', () => {
      const result = VersionPolicy.safeParse({
        compatibility: [
          { firmware: '2.0.0', minimumServerApi: '3.2.0' },
          { firmware: '2.0.0', minimumServerApi: '3.3.0' },
        ],
      });
      assert.deepEqual(result.error?.issues.map((issue) => issue.path), [['compatibility', 1, 'firmware']]);
    });
  });

  describe('rollback', () => {
    it('refuses a rollback target below the anti-rollback minimum', () => {
      const rules = policy({ antiRollbackMinimum: '1.5.0' });
      assert.deepEqual(checkRollbackTarget('1.4.2', rules), {
        ok: false,
        problems: ['rollback target 1.4.2 is below the anti-rollback minimum 1.5.0'],
      });
      assert.deepEqual(checkRollbackTarget('1.5.0', rules), { ok: true });
    });
  });
});
