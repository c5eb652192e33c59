import { metricMeter } from '@temporalio/workflow';
import { DEVICE_COUNT_STATES, type DeviceCounts } from '../model/status';
import { RolloutMetric } from '../model/metricNames';

/** The rollout's metrics, through the workflow meter: it stays silent while a worker replays history. */
export class RolloutMetrics {
  private readonly meter;
  private readonly devices;
  private readonly batchSuccessRatio;
  private readonly decisions;

  constructor(rolloutId: string) {
    this.meter = metricMeter.withTags({ rollout_id: rolloutId });
    this.devices = this.meter.createGauge(RolloutMetric.devices, 'int', 'devices', "A rollout's devices by state");
    this.batchSuccessRatio = this.meter.createGauge(RolloutMetric.batchSuccessRatio, 'float', '', 'Success ratio of the batch a stage reported last');
    this.decisions = this.meter.createCounter(RolloutMetric.decisions, '', 'Gate verdicts that stopped a stage, and operator actions that took effect');
  }

  deviceCounts(counts: DeviceCounts): void {
    for (const state of DEVICE_COUNT_STATES) this.devices.set(counts[state], { state });
  }

  batchSucceeded(stage: string, ratio: number): void {
    this.batchSuccessRatio.set(ratio, { stage });
  }

  decisionTaken(source: 'gate' | 'operator', action: string): void {
    this.decisions.add(1, { source, action });
  }
}
