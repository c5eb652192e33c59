import { strict as assert } from 'node:assert';
import {
  absorb,
  cohortOf,
  describeFinding,
  emptyEvidenceState,
  EvidencePolicy,
  findingOf,
  haltingLogEValue,
  isFleetWide,
  newlyRegressed,
} from '../../../src/engine/model/health/cohortEvidence';
import { logEValue } from '../../../src/engine/model/health/sequential';

const policy = EvidencePolicy.parse({});
const targets = { 'rev-a': 600, 'rev-b': 300, 'rev-c': 100 };
const increment = (cohort: string, updatedCrashes: number, controlCrashes: number) => ({
  cohort,
  updated: { crashes: updatedCrashes, firmwareHours: 50 },
  control: { crashes: controlCrashes, firmwareHours: 200 },
});

describe('cohort evidence', () => {
  it('halts a cohort at ln(cohorts / α): α shared by the cohorts', () => {
    assert.equal(haltingLogEValue(0.01, 3), Math.log(300));
    assert.equal(haltingLogEValue(0.01, 0), Math.log(100));
  });

  it('finds the one cohort whose crash rate regressed, and only it', () => {
    let state = emptyEvidenceState();
    for (let poll = 0; poll < 12; poll++) {
      state = absorb(state, [increment('rev-a', poll % 4 === 0 ? 1 : 0, 1), increment('rev-b', 2, 1), increment('rev-c', 0, 1)], targets, 0.01);
    }
    const found = newlyRegressed(state, policy);
    assert.deepEqual(found.map((cohort) => cohort.cohort), ['rev-b']);
    assert.ok(logEValue(found[0]!) >= haltingLogEValue(policy.alpha, 3));
  });

  it('judges a cohort found regressed no more', () => {
    let state = emptyEvidenceState();
    for (let poll = 0; poll < 12; poll++) state = absorb(state, [increment('rev-b', 2, 1)], targets, 0.01);
    assert.deepEqual(newlyRegressed({ ...state, regressed: ['rev-b'] }, policy), []);
  });

  it('calls a regression fleet-wide once its cohorts hold more than fleetWideShare of the targets', () => {
    assert.equal(isFleetWide(['rev-b'], targets, policy), false);
    assert.equal(isFleetWide(['rev-b', 'rev-c'], targets, policy), false);
    assert.equal(isFleetWide(['rev-a'], targets, policy), true);
    assert.equal(isFleetWide(['fleet'], { fleet: 10 }, EvidencePolicy.parse({ cohortBy: 'none' })), true);
  });

  it('names the cohort, its ratio with its interval and its device-hours', () => {
    let state = emptyEvidenceState();
    state = absorb(state, [{ cohort: 'rev-b', updated: { crashes: 40, firmwareHours: 100 }, control: { crashes: 10, firmwareHours: 100 } }], targets, 0.01);
    const text = describeFinding(findingOf(state.cohorts[0]!, 0.01), 'hardwareRevision');
    assert.match(text, /^hardwareRevision rev-b: crash rate ×4\.0 \(95 % CI 2\.\d–\d\.\d\), 40 crashes in 100 device-hours on the new firmware vs 100 on the control$/);
  });

  it('reads a device’s cohort from the attribute the plan names', () => {
    const attributes = { region: 'eu-west', hardwareRevision: 'rev-b', tags: [], batteryBacked: false };
    assert.equal(cohortOf(attributes, 'hardwareRevision'), 'rev-b');
    assert.equal(cohortOf(attributes, 'region'), 'eu-west');
    assert.equal(cohortOf(attributes, 'ring'), 'production');
    assert.equal(cohortOf(attributes, 'none'), 'fleet');
  });
});
