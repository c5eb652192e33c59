import assert from 'node:assert/strict';
import { Plan, type PlanInput } from '../../src/engine/model/plan';
import { stageSizes } from '../../src/engine/model/planMath';
import { allocateStages, StageAllocator } from '../../src/engine/model/stageAllocation';
import { DeviceAttributes } from '../../src/engine/ports/fleetProvider';
import { planFor } from '../helpers/fixtures';

const device = (id: string, attributes: Partial<DeviceAttributes> = {}) => ({
  id,
  attributes: DeviceAttributes.parse({ region: 'eu-west', hardwareRevision: 'rev-a', ...attributes }),
});
const fleetOf = (count: number) => Array.from({ length: count }, (_, index) => device(`gw-${index + 1}`));
const plan = (stages: PlanInput['stages']) => Plan.parse(planFor('stages', { stages }));
const ids = (devices: { id: string }[]) => devices.map((one) => one.id);
const percentStages = (...shares: number[]) => shares.map((percent, index) => ({ name: `p${index}`, percent }));

describe('stage allocation', () => {
  it('cuts percent stages as cumulative shares of the eligible fleet: 1 % → 5 % → 25 % → 100 % of 200', () => {
    const { stages, uncovered } = allocateStages(fleetOf(200), plan(percentStages(1, 5, 25, 100)));
    assert.deepEqual(stages.map((stage) => stage.length), [2, 8, 40, 150]);
    assert.deepEqual(ids(stages[0]!), ['gw-1', 'gw-2']);
    assert.deepEqual(ids(stages[1]!)[0], 'gw-3');
    assert.deepEqual(uncovered, []);
  });

  it('rounds a share up, so a 1 % canary of a small fleet is one device, and the seeds come out exact', () => {
    assert.deepEqual(stageSizes(plan(percentStages(1, 50)), 30).map((size) => size.devices), [1, 14]);
    assert.deepEqual(stageSizes(plan(percentStages(0.5, 5, 25, 100)), 250_000).map((size) => size.devices), [1_250, 11_250, 50_000, 187_500]);
  });

  it('reports the devices a plan that stops short of 100 % leaves out', () => {
    const { stages, uncovered } = allocateStages(fleetOf(10), plan(percentStages(50)));
    assert.equal(stages[0]?.length, 5);
    assert.deepEqual(ids(uncovered), ['gw-6', 'gw-7', 'gw-8', 'gw-9', 'gw-10']);
  });

  it('puts each device in the first cohort stage that selects it, in ring order, and reports the devices no stage selects', () => {
    const fleet = [
      device('gw-1', { ring: 'production' }),
      device('gw-2', { ring: 'internal' }),
      device('gw-3', { ring: 'beta', hardwareRevision: 'rev-b' }),
      device('gw-4', { ring: 'qa-bench' }),
      device('gw-5'),
      device('gw-6', { ring: 'alpha' }),
      device('gw-7', { ring: 'production', hardwareRevision: 'rev-b' }),
    ];
    const rings = plan([
      { name: 'internal', select: { ring: 'internal' } },
      { name: 'alpha', select: { ring: 'alpha' } },
      { name: 'beta', select: { ring: 'beta' } },
      { name: 'rev-b', select: { hardwareRevision: 'rev-b' } },
      { name: 'production', select: { ring: 'production' } },
    ]);
    const { stages, uncovered } = allocateStages(fleet, rings);
    assert.deepEqual(stages.map(ids), [['gw-2'], ['gw-6'], ['gw-3'], ['gw-7'], ['gw-1', 'gw-5']]);
    assert.deepEqual(ids(uncovered), ['gw-4']);
  });

  it('lets percent and count stages after cohort stages take the rest, the share counting the cohorts', () => {
    const fleet = fleetOf(100).map((one, index) => (index % 25 === 0 ? device(one.id, { ring: 'internal' }) : one));
    const mixed = plan([{ name: 'insiders', select: { ring: 'internal' } }, { name: 'ten', percent: 10 }, { name: 'five', devices: 5 }, { name: 'rest', percent: 100 }]);
    const { stages, uncovered } = allocateStages(fleet, mixed);
    assert.deepEqual(stages.map((stage) => stage.length), [4, 6, 5, 85]);
    assert.deepEqual(ids(stages[1]!), ['gw-2', 'gw-3', 'gw-4', 'gw-5', 'gw-6', 'gw-7']);
    assert.deepEqual(uncovered, []);
  });

  it('has enough for a count-only plan once it holds the counts, and reports nobody beyond them', () => {
    const allocator = new StageAllocator<string>(plan([{ name: 'a', devices: 2 }, { name: 'b', devices: 3 }]));
    fleetOf(4).forEach((one) => allocator.add(one, one.id));
    assert.equal(allocator.hasEnough, false);
    fleetOf(6).slice(4).forEach((one) => allocator.add(one, one.id));
    assert.equal(allocator.hasEnough, true);
    assert.deepEqual(allocator.allocate(), { stages: [['gw-1', 'gw-2'], ['gw-3', 'gw-4', 'gw-5']], uncovered: [] });
  });

  it('reads the whole fleet for percent and cohort stages', () => {
    const allocator = new StageAllocator<string>(plan([{ name: 'some', percent: 1 }]));
    fleetOf(1000).forEach((one) => allocator.add(one, one.id));
    assert.equal(allocator.hasEnough, false);
  });
});
