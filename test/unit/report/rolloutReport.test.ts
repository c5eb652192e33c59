import assert from 'node:assert/strict';
import { buildReport, reasonKind } from '../../../rig/report/rolloutReport';
import { reportInputs } from './fixtures';

describe('the rollout report', () => {
  it('groups gateways that missed the target by what the workflow recorded, figures left out', () => {
    const report = buildReport(reportInputs());
    assert.deepEqual(
      report.notUpdated.map(({ ending, reason, devices, needsManualIntervention }) => ({ ending, reason, devices, needsManualIntervention })),
      [
        { ending: 'deferred', reason: 'battery', devices: 2, needsManualIntervention: 1 },
        { ending: 'failed', reason: 'DownloadFailed', devices: 1, needsManualIntervention: 1 },
        { ending: 'not_reached', reason: '–', devices: 1, needsManualIntervention: 0 },
        { ending: 'not_targeted', reason: '–', devices: 1, needsManualIntervention: 0 },
      ],
    );
    assert.equal(report.notUpdated[0]!.example, 'battery 20% ≤ 50%');
  });

  it('counts every gateway once per cohort attribute, judged on the simulator ground truth', () => {
    const report = buildReport(reportInputs());
    const revisions = report.cohorts.filter((row) => row.attribute === 'hardwareRevision');
    assert.deepEqual(revisions, [
      { attribute: 'hardwareRevision', value: 'rev-a', devices: 4, updated: 2, needsManualIntervention: 0, failed: 0, deferred: 0, rolledBack: 0, notReached: 1 },
      { attribute: 'hardwareRevision', value: 'rev-b', devices: 3, updated: 0, needsManualIntervention: 2, failed: 1, deferred: 2, rolledBack: 0, notReached: 0 },
    ]);
    const regions = report.cohorts.filter((row) => row.attribute === 'region');
    assert.deepEqual(
      regions.map(({ value, devices, updated }) => ({ value, devices, updated })),
      [
        { value: 'eu-west', devices: 4, updated: 1 },
        { value: 'us-east', devices: 3, updated: 1 },
      ],
    );
  });

  it('reports versions before and after, stages, the fleet figures and the operator actions that took effect', () => {
    const report = buildReport(reportInputs());
    assert.deepEqual(report.versions, { before: { '1.0.0': 6, '1.5.0': 1 }, after: { '1.0.0': 4, '1.5.0': 1, '2.0.0': 2 } });
    assert.deepEqual(
      report.stages.map(({ name, succeeded, failed, deferred, pending, successRate }) => ({ name, succeeded, failed, deferred, pending, successRate })),
      [
        { name: 'canary', succeeded: 2, failed: 0, deferred: 1, pending: 0, successRate: 1 },
        { name: 'wave', succeeded: 0, failed: 1, deferred: 1, pending: 1, successRate: 0 },
      ],
    );
    assert.equal(report.fleet.peakCpuPercent, 55);
    assert.equal(report.fleet.disconnections, 9);
    assert.equal(report.fleet.requestsRefused, 2);
    assert.equal(report.run.planTimeMs, 20 * 3_600_000);
    assert.equal(report.operatorActions, 1);
    assert.equal(report.stoppedBy, undefined);
  });

  it('a reason loses its figures and what follows a colon', () => {
    assert.equal(reasonKind('battery 20% ≤ 50%'), 'battery');
    assert.equal(reasonKind('disk free 200 MB ≤ 500 MB'), 'disk free');
    assert.equal(reasonKind('critical processes running: modbus'), 'critical processes running');
    assert.equal(reasonKind('connectivity unstable'), 'connectivity unstable');
    assert.equal(reasonKind(undefined), '–');
  });
});
