import { strict as assert } from 'node:assert';
import { simulateRollout, type Fleet, type SafetyCase } from '../../../bench/safetySimulation';
import { EvidencePolicy } from '../../../src/engine/model/health/cohortEvidence';
import { Plan } from '../../../src/engine/model/plan';
import { stageSizes } from '../../../src/engine/model/planMath';
import { seededRandom } from '../../../src/engine/model/seededRandom';
import { readFirmwarePlanFile } from '../../../src/client/planFile';

/** The bench's own plan: the seed's stages as 1 → 5 → 25 → 100 % of the fleet. */
let plan: Plan;
before(async () => {
  plan = Plan.parse(await readFirmwarePlanFile('plans/percent.yml'));
});
const fleet = (holdback = 0): Fleet => ({
  plan,
  stageDevices: stageSizes(plan, 1000).map((size) => size.devices),
  baselineRatePerDeviceHour: 0.01,
  evidence: EvidencePolicy.parse({}),
  stepHours: 0.25,
  holdback,
});
const THIRDS = [1 / 3, 1 / 3, 1 / 3];
const LATE_SURGE: SafetyCase = { name: 'late surge', cohortShares: THIRDS, ratios: [1, 1, 1], surge: { fromHours: 18, toHours: 24, factor: 2 }, fixedBaseline: true };
const runs = (safetyCase: SafetyCase, holdback: number, count: number) => {
  const random = seededRandom(7);
  return Array.from({ length: count }, () => simulateRollout(fleet(holdback), safetyCase, random));
};

describe('safety bench simulation', () => {
  it('rolls back the one crash-looping cohort alone; the engine before it rolls back everything', () => {
    const outcome = simulateRollout(fleet(), { name: '1000× on a third', cohortShares: THIRDS, ratios: [1000, 1, 1] }, seededRandom(1));
    assert.ok(outcome.sequential.at !== undefined && outcome.sequential.selective, JSON.stringify(outcome.sequential));
    assert.ok(outcome.sequential.exposure <= 0.01, `halted at ${outcome.sequential.exposure} of the fleet`);
    assert.ok(outcome.perWindow.at !== undefined && !outcome.perWindow.selective, JSON.stringify(outcome.perWindow));
    assert.equal(outcome.fixedBaseline, undefined);
  });

  it('halts good firmware on a fleet-wide surge while the control is thin, and not with a quarter of every cohort held back', () => {
    const halted = (outcomes: ReturnType<typeof runs>) => outcomes.filter((outcome) => outcome.sequential.at !== undefined).length;
    const thin = runs(LATE_SURGE, 0, 100);
    const heldBack = runs(LATE_SURGE, 0.25, 100);
    assert.ok(halted(thin) >= 30, `${halted(thin)} of 100 halted without a held-back control`);
    assert.ok(halted(heldBack) <= 3, `${halted(heldBack)} of 100 halted with one`);
    assert.ok(heldBack.every((outcome) => outcome.sequential.exposure <= 0.75 + 1e-9 && outcome.perWindow.exposure <= 0.75 + 1e-9));
  });
});
