import { strict as assert } from 'node:assert';
import { Plan } from '../../../src/engine/model/plan';
import { detectableRatios, detectionIntervals, exposureTimeline, medianExposureAtHalt, powerByStage, TARGET_POWER, WINDOW_GRID_HOURS, windowForPower, type PowerSettings } from '../../../src/engine/model/health/power';
import { firmware } from '../../helpers/fixtures';

const plan = Plan.parse({
  rolloutId: 'power',
  firmware: firmware(),
  stages: [
    { name: 'canary', devices: 10, monitorWindow: '1 hour' },
    { name: 'pilot', devices: 40, monitorWindow: '2 hours' },
    { name: 'wave', devices: 950, monitorWindow: '6 hours' },
  ],
  defaults: { batchSize: 25, batchGap: '20 minutes', batchTimeout: '30 minutes' },
});
const devices = [10, 40, 950];
const settings: PowerSettings = { eligible: 1000, baselineRatePerDeviceHour: 0.01, alpha: 0.01, cohorts: 3, runs: 200, seed: 1 };
const HOUR_MS = 3_600_000;
const withPilotWindow = (hours: number) => Plan.parse({ ...plan, stages: plan.stages.map((stage) => (stage.name === 'pilot' ? { ...stage, monitorWindow: hours * HOUR_MS } : stage)) });

describe('crash test power', () => {
  it('times the plan as the forecast does, with device-hours that add up exactly', () => {
    const timeline = exposureTimeline(plan, devices, 0.25);
    const hours = timeline.reduce((total, step) => total + step.hours, 0);
    // canary: 30 min batch + 1 h; pilot: 20 min gap + 30 min + 2 h; wave: 37 gaps of 20 min + 30 min + 6 h.
    assert.ok(Math.abs(hours - (1.5 + 2 + 50 / 60 + (37 * 20 + 30) / 60 + 6)) < 1e-9, `${hours} h`);
    const deviceHours = timeline.reduce((total, step) => total + step.hours * step.updated, 0);
    const canaryAndPilot = 10 * 1.5 + 10 * (20 / 60) + 50 * (30 / 60 + 2) + 50 * (37 * 20 + 30 + 360) / 60;
    assert.ok(deviceHours > canaryAndPilot, 'the wave adds device-hours as its batches go');
    assert.ok(timeline.every((step) => step.hours <= 0.25 + 1e-9 || step.stage === 2 || step.hours <= (plan.defaults.batchTimeout / HOUR_MS) + 1e-9));
    assert.deepEqual([...new Set(timeline.map((step) => step.stage))], [0, 1, 2]);
  });

  it('halts a 1000× regression on a third of the fleet at the canary in every simulated rollout', () => {
    const timeline = exposureTimeline(plan, devices, 0.25);
    const power = powerByStage(timeline, detectionIntervals(timeline, { ratio: 1000, cohortShares: [1 / 3] }, settings), 3);
    assert.deepEqual(power, [1, 1, 1]);
  });

  it('halts firmware as good as the old in at most α of simulated rollouts', () => {
    const timeline = exposureTimeline(plan, devices, 0.25);
    const power = powerByStage(timeline, detectionIntervals(timeline, { ratio: 1, cohortShares: [1 / 3, 1 / 3, 1 / 3] }, { ...settings, runs: 500 }), 3);
    assert.ok(power[2]! <= settings.alpha, `${power[2]} halted`);
  });

  it('needs a larger ratio to halt a smaller cohort, and less as the rollout goes on', () => {
    const timeline = exposureTimeline(plan, devices, 0.25);
    const fleetWide = detectableRatios(timeline, [1 / 3, 1 / 3, 1 / 3], settings, 3);
    const tenth = detectableRatios(timeline, [0.1], settings, 3);
    for (let stage = 0; stage < 3; stage++) assert.ok((tenth[stage] ?? Infinity) >= (fleetWide[stage] ?? Infinity), `stage ${stage}: ${tenth[stage]} vs ${fleetWide[stage]}`);
    assert.ok((fleetWide[2] ?? Infinity) <= (fleetWide[1] ?? Infinity) && (fleetWide[1] ?? Infinity) <= (fleetWide[0] ?? Infinity), JSON.stringify(fleetWide));
    assert.ok(fleetWide[2] !== undefined && fleetWide[2] <= 2, `the whole rollout detects ×${fleetWide[2]} fleet-wide`);
  });

  it('halts a larger regression no later, rollout by rollout, on the same draws', () => {
    const timeline = exposureTimeline(plan, devices, 0.25);
    const at = (ratio: number) => detectionIntervals(timeline, { ratio, cohortShares: [1 / 3] }, settings).map((index) => index ?? Infinity);
    const [mild, severe] = [at(2), at(4)];
    assert.ok(severe.every((index, run) => index <= mild[run]!));
    assert.ok(severe.some((index, run) => index < mild[run]!), 'a larger ratio halts some rollouts sooner');
  });

  it('halts by the end of a stage at least as often when the stage watches longer: the same rollouts, at the same step', () => {
    const regression = { ratio: 4, cohortShares: [1 / 3] };
    const byPilotEnd = (pilotHours: number) => {
      const timeline = exposureTimeline(withPilotWindow(pilotHours), devices, 0.25);
      const pilotEnds = timeline.filter((step) => step.stage <= 1).length - 1;
      return detectionIntervals(timeline, regression, settings).map((index) => (index !== undefined && index <= pilotEnds ? index : undefined));
    };
    const [short, long] = [byPilotEnd(2), byPilotEnd(4)];
    short!.forEach((index, run) => index !== undefined && assert.equal(long![run], index, `run ${run}`));
    const halted = (detections: (number | undefined)[]) => detections.filter((index) => index !== undefined).length;
    assert.ok(halted(long!) > halted(short!), "two more hours halt more rollouts by the pilot's end");
  });

  it('names the shortest monitoring window that halts a regression by the end of a stage in 80 % of rollouts', () => {
    const regression = { ratio: 4, cohortShares: [1 / 3] };
    const hours = windowForPower(plan, devices, 1, regression, settings, 0.25);
    assert.ok(hours !== undefined && hours > 2, `pilot would need ${hours} h`);
    const powerWith = (window: number) => {
      const timeline = exposureTimeline(withPilotWindow(window), devices, 0.25);
      return powerByStage(timeline, detectionIntervals(timeline, regression, settings), 2)[1]!;
    };
    const shorter = WINDOW_GRID_HOURS[WINDOW_GRID_HOURS.indexOf(hours as (typeof WINDOW_GRID_HOURS)[number]) - 1]!;
    assert.ok(powerWith(hours) >= TARGET_POWER && powerWith(shorter) < TARGET_POWER, `${hours} h: ${powerWith(hours)}, ${shorter} h: ${powerWith(shorter)}`);
    assert.equal(windowForPower(plan, devices, 0, { ratio: 1.25, cohortShares: [0.1] }, settings, 0.25), undefined, 'a mild regression on ten devices is never halted at the canary');
  });

  it('reports the median share of the fleet exposed when it halts', () => {
    const timeline = [
      { stage: 0, hours: 1, updated: 10 },
      { stage: 1, hours: 1, updated: 50 },
      { stage: 2, hours: 1, updated: 500 },
    ];
    assert.equal(medianExposureAtHalt(timeline, [0, 2, 1, undefined], 1000), 0.05);
    assert.equal(medianExposureAtHalt(timeline, [undefined], 1000), undefined);
  });
});
