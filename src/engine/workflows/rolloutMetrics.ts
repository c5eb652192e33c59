import { metricMeter } from '@temporalio/workflow';
import { DEVICE_COUNT_STATES, RolloutState, type DeviceCounts } from '../model/status';
import { RolloutMetric } from '../model/metricNames';

/** The rollout's metrics, through the workflow meter: it stays silent while a worker replays history. */
export class RolloutMetrics {
  private readonly meter;
  private readonly devices;
  private readonly batchSuccessRatio;
  private readonly decisions;
  private readonly state;
  private readonly quarantines;

  constructor(rolloutId: string) {
    this.meter = metricMeter.withTags({ rollout_id: rolloutId });
    this.devices = this.meter.createGauge(RolloutMetric.devices, 'int', 'devices', "A rollout's devices by state");
    this.batchSuccessRatio = this.meter.createGauge(RolloutMetric.batchSuccessRatio, 'float', '', 'Success ratio of the batch a stage reported last');
    this.decisions = this.meter.createCounter(RolloutMetric.decisions, '', 'Gate verdicts that stopped a stage, and operator actions that took effect');
    this.state = this.meter.createGauge(RolloutMetric.state, 'int', '', 'The state a rollout is in: 1 for it, 0 for the others');
    this.quarantines = this.meter.createCounter(RolloutMetric.quarantines, '', 'Firmware quarantined by a health finding, for a cohort or for all');
  }

  deviceCounts(counts: DeviceCounts): void {
    for (const state of DEVICE_COUNT_STATES) this.devices.set(counts[state], { state });
  }

  /** Every state is set, so an alert on one (paused) clears when the rollout leaves it. */
  rolloutState(current: RolloutState): void {
    for (const state of RolloutState.options) this.state.set(state === current ? 1 : 0, { state });
  }

  firmwareQuarantined(cohort: string): void {
    this.quarantines.add(1, { cohort });
  }

  batchSucceeded(stage: string, ratio: number): void {
    this.batchSuccessRatio.set(ratio, { stage });
  }

  decisionTaken(source: 'gate' | 'operator', action: string): void {
    this.decisions.add(1, { source, action });
  }
}
