import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFirmwarePlanFile, readPlanFile } from '../../src/client/planFile';
import { flagEligibility } from '../../src/engine/model/deviceChange';
import { FlagPlan } from '../../src/engine/model/flagPlan';
import { Plan } from '../../src/engine/model/plan';
import { planSchemaFor } from '../../src/engine/model/planKind';
import { resolveRollout } from '../../src/engine/model/rollout';
import { InvalidInputError } from '../../src/engine/model/validation';
import { flagPlanFor, planFor } from '../helpers/fixtures';
import { repoRoot } from '../helpers/processes';

describe('flag plans', () => {
  it('take the firmware plan’s stage, batch and retry defaults and keep their flag', () => {
    const flagPlan = FlagPlan.parse(flagPlanFor('flag', { flag: { name: 'new_sensor_algorithm', value: false } }));
    const firmwarePlan = Plan.parse(planFor('firmware'));
    assert.equal(flagPlan.kind, 'flag');
    assert.deepEqual(flagPlan.flag, { name: 'new_sensor_algorithm', value: false });
    for (const field of ['stages', 'defaults', 'retry', 'health', 'catchUp', 'maintenanceWindows', 'notifications'] as const) {
      assert.deepEqual(flagPlan[field], firmwarePlan[field], field);
    }
  });

  it('are checked by the flag schema, every other plan by the firmware one', () => {
    assert.equal(planSchemaFor(flagPlanFor('flag')), FlagPlan);
    assert.equal(planSchemaFor(planFor('firmware')), Plan);
    assert.equal(planSchemaFor({ ...planFor('firmware'), kind: 'firmware' }), Plan);
    assert.equal(planSchemaFor('not a plan'), Plan);
  });

  it('leave a firmware plan without a kind as it was: no kind is added, so a resolved rollout does not change', () => {
    const resolved = resolveRollout({ plan: planFor('firmware') });
    assert.equal('kind' in resolved.plan, false);
    assert.equal(resolveRollout({ plan: { ...planFor('firmware'), kind: 'firmware' } }).plan.kind, 'firmware');
  });

  it('are read from plans/, resolved with their flag and no firmware fields, and refused at `kind` by tools that ship firmware', async () => {
    const file = path.join(repoRoot, 'plans', 'flag-new-sensor.yml');
    const plan = await readPlanFile(file);
    assert.equal(plan.kind, 'flag');
    const resolved = resolveRollout({ plan }).plan;
    assert.deepEqual(resolved.kind === 'flag' && resolved.flag, { name: 'new_sensor_algorithm', value: true });
    assert.equal(resolved.defaults.targetLoadPercent, 45);
    assert.equal('preflight' in resolved, false);
    await assert.rejects(readFirmwarePlanFile(file), (error: unknown) => {
      assert.ok(error instanceof InvalidInputError);
      assert.deepEqual(error.issues.map((issue) => issue.path), ['kind']);
      assert.match(error.issues[0]!.message, /this tool rolls out firmware/);
      return true;
    });
  });

  it('refuse a bad flag value at rollout start, naming the field of the flag schema', () => {
    assert.throws(
      () => resolveRollout({ plan: { ...flagPlanFor('flag'), flag: { name: 'new_sensor_algorithm', value: 'yes' } } as never }),
      (error: unknown) => error instanceof InvalidInputError && error.issues.some((issue) => issue.path === 'plan.flag.value' && /write true/.test(issue.message)),
    );
  });

  it('let a firmware plan file through to the tools that ship firmware', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'flag-plan-')), 'firmware.json');
    const plan = planFor('firmware');
    writeFileSync(file, JSON.stringify(plan));
    assert.deepEqual(await readFirmwarePlanFile(file), plan);
  });

  it('target the devices whose flag has another value, an absent flag counting as off', () => {
    const device = (flags: Record<string, boolean>) => ({ id: 'gw-1', flags });
    const on = { name: 'new_sensor_algorithm', value: true };
    assert.equal(flagEligibility(device({}), on).eligible, true);
    assert.equal(flagEligibility(device({ new_sensor_algorithm: false }), on).eligible, true);
    assert.deepEqual(flagEligibility(device({ new_sensor_algorithm: true }), on), { deviceId: 'gw-1', eligible: false, reason: 'already_on_target', message: 'already new_sensor_algorithm=true' });
    assert.equal(flagEligibility(device({}), { ...on, value: false }).eligible, false);
  });
});
