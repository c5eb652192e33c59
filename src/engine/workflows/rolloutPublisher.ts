import { setCurrentDetails } from '@temporalio/workflow';
import type { RolloutStatus } from '../model/status';
import { renderDashboard } from './rolloutDashboard';
import { RolloutMetrics } from './rolloutMetrics';
import { RolloutSearchAttributes } from './rolloutSearchAttributes';
import { refreshFigures } from './statusFigures';

/** Shows the rollout outside its workflow: the Web UI's current details, search attributes and metrics. */
export class RolloutPublisher {
  readonly metrics: RolloutMetrics;
  private readonly searchAttributes = new RolloutSearchAttributes();

  constructor(rolloutId: string) {
    this.metrics = new RolloutMetrics(rolloutId);
  }

  /** Brings the derived parts of the status up to date and shows them. */
  publish(status: RolloutStatus): void {
    refreshFigures(status);
    setCurrentDetails(renderDashboard(status));
    this.searchAttributes.publish(status);
    this.metrics.deviceCounts(status.devices);
    this.metrics.rolloutState(status.state);
  }
}
