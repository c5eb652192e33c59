import assert from 'node:assert/strict';
import { Plan } from '../../src/contracts/plan';
import { forecastPlan } from '../../src/domain/planForecast';
import { planFor } from '../helpers/fixtures';

describe('plan forecast (`rollout plan`)', () => {
  it('lays out the seed plan: stages back to back with every gap, batch timeout and monitoring window', () => {
    const forecast = forecastPlan(Plan.parse(planFor('seed')));
    const minutes = (hours: number) => Math.round(hours * 60);
    // canary: 30-min batch timeout + 1 h; pilot: 30 min + 2 h; wave1: 20-min gap + 30 min + 3 h; wave2: 4 gaps + 30 min + 6 h.
    assert.deepEqual(forecast.map(({ stage, batches, startsAtHours, endsAtHours }) => [stage, batches, minutes(startsAtHours), minutes(endsAtHours)]), [
      ['canary', 1, 0, 90],
      ['pilot', 1, 90, 240],
      ['wave1', 2, 240, 470],
      ['wave2', 5, 470, 940],
    ]);
  });

  it("gives the 250,000-thermostat example's stage-2 threshold: 2.5 crashes expected in a day, a pause at 8", () => {
    // 002: 0.02 % of devices crash per day; stage 2 has 12,500 thermostats on the new firmware for 24 hours; 3× pauses.
    const plan = Plan.parse(
      planFor('thermostats', {
        stages: [
          { name: 'stage-1', devices: 1_250, monitorWindow: '6 hours' },
          { name: 'stage-2', devices: 11_250, monitorWindow: '24 hours' },
        ],
        health: { baseline: { crashRatePerDeviceHour: 0.0002 / 24, connectivityRate: 0.99 }, policy: { crashRateRatio: 3 } },
      }),
    );
    const [, stage2] = forecastPlan(plan);
    assert.equal(stage2?.cumulativeDevices, 12_500);
    assert.ok(Math.abs(stage2!.expectedCrashes - 2.5) < 1e-9);
    assert.equal(stage2?.pauseAtCrashes, 8);
  });
});
