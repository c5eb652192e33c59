import { DEVICE_COUNT_STATES, type DeviceCounts, type RolloutStatus, type StageStatus } from '../model/status';
import { successRate } from '../model/gates';

/** Recomputes what a status derives from its stages: success rates, devices by state, the current batch. */
export function refreshFigures(status: RolloutStatus): void {
  for (const stage of status.stages) setOptional(stage, 'successRate', rateOf(stage.counts));
  status.devices = sumCounts(status.stages.map((stage) => stage.counts));
  setOptional(status, 'successRate', rateOf(status.devices));
  setOptional(status, 'currentBatch', currentBatch(status.stages.find((stage) => stage.name === status.currentStage)));
}

/** The success rate of the batches between two cumulative stage reports; undefined when none was tried. */
export function successRateBetween(before: DeviceCounts, after: DeviceCounts): number | undefined {
  return rateOf(Object.fromEntries(DEVICE_COUNT_STATES.map((state) => [state, Math.max(0, after[state] - before[state])])) as DeviceCounts);
}

/** Succeeded among the devices tried (the gate's definition); undefined before any was. */
function rateOf(counts: DeviceCounts): number | undefined {
  const tried = counts.succeeded + counts.failed + counts.rolled_back;
  return tried === 0 ? undefined : successRate(counts);
}

function sumCounts(counts: DeviceCounts[]): DeviceCounts {
  return Object.fromEntries(DEVICE_COUNT_STATES.map((state) => [state, counts.reduce((sum, each) => sum + each[state], 0)])) as DeviceCounts;
}

/** The batch that runs or runs next; none while the stage waits, monitors or has ended. */
function currentBatch(stage: StageStatus | undefined): RolloutStatus['currentBatch'] {
  if (!stage || (stage.state !== 'running' && stage.state !== 'held')) return undefined;
  return { number: Math.min(stage.batchesDone + 1, stage.batches), of: stage.batches };
}

/** Absent rather than undefined, so the status stays plain JSON. */
function setOptional<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}
