import assert from 'node:assert/strict';
import { Plan, resolveStage, type PlanInput } from '../../src/engine/model/plan';
import { fieldPath, InvalidInputError, parseOrThrow } from '../../src/engine/model/validation';
import { backoffSchedule, batchCount, batchRange, plannedWaitMs, stageSizes } from '../../src/engine/model/planMath';
import { planFor } from '../helpers/fixtures';

describe('plan schema', () => {
  it('fills in the seed plan: canary 5, pilot 20, wave1 50, wave2 125, batches of 25, 20-minute gaps', () => {
    const plan = Plan.parse(planFor('seed'));
    assert.deepEqual(plan.stages.map((stage) => [stage.name, stage.devices]), [['canary', 5], ['pilot', 20], ['wave1', 50], ['wave2', 125]]);
    assert.equal(plan.defaults.batchSize, 25);
    assert.equal(plan.defaults.batchGap, 20 * 60_000);
    assert.equal(plan.defaults.maxConcurrent, 30);
    assert.equal(plan.defaults.operationTimeout, 30 * 60_000);
    assert.equal(plan.stages[0]?.monitorWindow, 3_600_000);
    assert.equal(plan.stages[1]?.monitorWindow, 7_200_000);
  });

  it('lets a stage override the plan defaults', () => {
    const plan = Plan.parse(planFor('override', { stages: [{ name: 'only', devices: 10, batchSize: 5, batchGap: '90s' }] }));
    const stage = resolveStage(plan, 0);
    assert.equal(stage.batchSize, 5);
    assert.equal(stage.batchGap, 90_000);
    assert.equal(stage.successThreshold, 0.8);
  });

  it('gives a stage the plan defaults for whatever it leaves out', () => {
    const plan = Plan.parse(planFor('inherit', { stages: [{ name: 'only', devices: 10 }], defaults: { batchSize: 5, batchGap: '1 minute' } }));
    const stage = resolveStage(plan, 0);
    assert.equal(stage.batchSize, 5);
    assert.equal(stage.batchGap, 60_000);
    assert.equal(stage.maxConcurrent, 30);
  });

  it('names the field and the fix when a value is wrong', () => {
    const bad = planFor('bad', { stages: [{ name: 'canary', devices: 0 }, { name: 'Pilot', devices: 5, batchGap: 'soon' }] });
    assert.throws(
      () => parseOrThrow(Plan, bad, 'plan'),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInputError);
        const paths = error.issues.map((issue) => issue.path);
        assert.deepEqual(paths.sort(), ['stages[0].devices', 'stages[1].batchGap', 'stages[1].name']);
        assert.match(error.message, /"soon" is not a duration: write e\.g\. "20 minutes"/);
        assert.match(error.message, /lower-case letters/);
        return true;
      },
    );
  });

  it('has no maintenance windows unless the plan names some, and names the window field that is wrong', () => {
    assert.deepEqual(Plan.parse(planFor('anytime')).maintenanceWindows, []);
    const bad = planFor('windows', {
      maintenanceWindows: [
        { cohort: { region: 'eu-west' }, window: { cron: '0 2 * *', duration: '2 hours', timeZone: 'Europe/Berlin' } },
        { cohort: { colour: 'red' }, window: { cron: '0 2 * * *', duration: 'later', timeZone: 'Berlin' } },
      ],
    } as Partial<PlanInput>);
    assert.throws(
      () => parseOrThrow(Plan, bad, 'plan'),
      (error: unknown) => {
        assert.ok(error instanceof InvalidInputError);
        assert.deepEqual(error.issues.map((issue) => issue.path).sort(), [
          'maintenanceWindows[0].window.cron',
          'maintenanceWindows[1].cohort',
          'maintenanceWindows[1].window.duration',
          'maintenanceWindows[1].window.timeZone',
        ]);
        assert.match(error.message, /five-field cron expression/);
        assert.match(error.message, /not an IANA time zone: write e\.g\. "Europe\/Berlin"/);
        return true;
      },
    );
  });

  it('refuses unknown keys and repeated stage names', () => {
    const result = Plan.safeParse({ ...planFor('dup', { stages: [{ name: 'a', devices: 1 }, { name: 'a', devices: 1 }] }), colour: 'red' });
    assert.equal(result.success, false);
    const messages = result.error!.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('\n');
    assert.match(messages, /colour/);
  });
});

describe('stage kinds', () => {
  const issuesOf = (stages: unknown[]) => {
    const result = Plan.safeParse(planFor('kinds', { stages: stages as never }));
    return (result.error?.issues ?? []).map((issue) => [fieldPath(issue.path), issue.message]);
  };

  it('takes a count, a cumulative percent or a cohort selector', () => {
    const plan = Plan.parse(planFor('kinds', { stages: [{ name: 'insiders', select: { ring: 'internal' } }, { name: 'five', percent: 5 }, { name: 'ten', devices: 10 }] }));
    assert.deepEqual(plan.stages.map(({ devices, percent, select }) => [devices, percent, select]), [
      [undefined, undefined, { ring: ['internal'] }],
      [undefined, 5, undefined],
      [10, undefined, undefined],
    ]);
  });

  it('names the stage that takes no devices, or several kinds, and the fix', () => {
    const [none, both] = [issuesOf([{ name: 'canary' }]), issuesOf([{ name: 'canary', devices: 5, percent: 1 }])];
    assert.equal(none.length, 1);
    assert.equal(none[0]![0], 'stages[0]');
    assert.match(none[0]![1]!, /stage "canary" takes no devices: give it one of devices .*, percent .* or select/);
    assert.deepEqual(both, [['stages[0].percent', 'stage "canary" has both devices and percent: give each stage exactly one of devices, percent or select']]);
  });

  it('refuses percentages that do not increase, pass 100, or leave nothing for a later stage', () => {
    assert.deepEqual(issuesOf([{ name: 'a', percent: 5 }, { name: 'b', percent: 5 }]).map(([path]) => path), ['stages[1].percent']);
    assert.match(issuesOf([{ name: 'a', percent: 25 }, { name: 'b', percent: 5 }])[0]![1]!, /5 after 25 in "a": percent is cumulative/);
    assert.deepEqual(issuesOf([{ name: 'a', percent: 120 }]), [['stages[0].percent', 'at most 100: percent is the share of the eligible fleet done once this stage ends']]);
    assert.deepEqual(issuesOf([{ name: 'a', percent: 0 }]).map(([path]) => path), ['stages[0].percent']);
    assert.match(issuesOf([{ name: 'all', percent: 100 }, { name: 'more', devices: 5 }])[0]![1]!, /"more" comes after "all" took the whole fleet/);
  });

  it('puts cohort stages first and keeps rings in order internal → alpha → beta → production', () => {
    assert.deepEqual(issuesOf([{ name: 'canary', devices: 5 }, { name: 'alpha', select: { ring: 'alpha' } }]), [
      ['stages[1].select', 'cohort stage "alpha" comes after "canary", which takes devices from every cohort: put cohort (select) stages first'],
    ]);
    assert.deepEqual(issuesOf([{ name: 'beta', select: { ring: 'beta' } }, { name: 'alpha', select: { ring: ['alpha', 'production'] } }]), [
      ['stages[1].select.ring', 'stage "alpha" goes back to ring alpha after beta: rings go internal → alpha → beta → production'],
    ]);
    assert.deepEqual(issuesOf([{ name: 'eu', select: { region: 'eu-west' } }, { name: 'qa', select: { ring: 'qa-bench' } }, { name: 'rest', percent: 100 }]), []);
  });
});

describe('plan maths', () => {
  const plan = Plan.parse(planFor('maths'));

  it('cuts stages from the targets in order and stops when the fleet runs out', () => {
    assert.deepEqual(stageSizes(plan, 200).map((size) => size.devices), [5, 20, 50, 125]);
    assert.deepEqual(stageSizes(plan, 60).map((size) => size.devices), [5, 20, 35, 0]);
  });

  it('splits a stage into batches of the batch size', () => {
    assert.equal(batchCount(125, 25), 5);
    assert.equal(batchCount(126, 25), 6);
    assert.deepEqual(batchRange(126, 25, 5), { offset: 125, devices: 1 });
    assert.deepEqual(batchRange(50, 25, 1), { offset: 25, devices: 25 });
  });

  it('adds up the planned waits: gaps between batches and monitoring windows', () => {
    const minutes = plannedWaitMs(plan, stageSizes(plan, 200)) / 60_000;
    // gaps: canary 0, pilot 0, wave1 1 × 20, wave2 4 × 20; windows 60 + 120 + 180 + 360
    assert.equal(minutes, 20 + 80 + 60 + 120 + 180 + 360);
  });

  it('follows the seed backoff min(300·2^n, 3600) s', () => {
    assert.deepEqual(backoffSchedule(plan.retry, 6).map((ms) => ms / 1000), [300, 600, 1200, 2400, 3600]);
  });
});
