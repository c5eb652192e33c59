import assert from 'node:assert/strict';
import { emptyCounts } from '../../../src/engine/model/status';
import { sampleOf, stageSpans, stateChanges, type TimelineSample } from '../../../rig/report/timeline';
import { fleetOutcome, metrics, status } from './fixtures';

const HOUR = 3_600_000;
const at = (hours: number, stage?: string): TimelineSample => sampleOf(status({ state: 'running', ...(stage ? { currentStage: stage } : {}) }), metrics(hours * HOUR), fleetOutcome);

describe('the rollout timeline', () => {
  it('samples the rollout in plan time with the fleet and its management service beside it', () => {
    const sample = sampleOf(status({ state: 'running', currentStage: 'pilot', devices: { ...emptyCounts(3), succeeded: 2 } }), metrics(2 * HOUR, 42), fleetOutcome);
    assert.deepEqual(sample, { planTimeMs: 2 * HOUR, state: 'running', stage: 'pilot', devices: { ...emptyCounts(3), succeeded: 2 }, onTarget: 2, cpuPercent: 42, operationsInFlight: 3, online: 6 });
  });

  it('a stage spans from its first sample to the next stage, the last to the last sample', () => {
    const samples = [at(0), at(1, 'canary'), at(2, 'canary'), at(3), at(4, 'pilot'), at(6, 'pilot'), at(7, 'canary'), at(9)];
    assert.deepEqual(stageSpans(samples), [
      { stage: 'canary', fromMs: 1 * HOUR, toMs: 4 * HOUR },
      { stage: 'pilot', fromMs: 4 * HOUR, toMs: 9 * HOUR },
    ]);
    assert.deepEqual(stageSpans([at(0), at(1)]), []);
  });

  it('marks where the rollout left running: paused, rolling back, ended', () => {
    const inState = (hours: number, state: TimelineSample['state']): TimelineSample => ({ ...at(hours, 'wave'), state });
    const samples = [inState(0, 'starting'), inState(1, 'running'), inState(2, 'paused'), inState(3, 'paused'), inState(4, 'running'), inState(5, 'rolling_back'), inState(6, 'rolled_back')];
    assert.deepEqual(stateChanges(samples), [
      { state: 'paused', atMs: 2 * HOUR },
      { state: 'rolling_back', atMs: 5 * HOUR },
      { state: 'rolled_back', atMs: 6 * HOUR },
    ]);
  });
});
