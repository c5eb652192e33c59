import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { CurrentStageKey, RolloutIdKey, RolloutStateKey } from './searchAttributes';
import type { RolloutStatus } from '../model/status';

/**
 * Keeps `RolloutState` and `CurrentStage` current. Only for a rollout started with its search
 * attributes (as `RolloutClient.start` does): that start proved the namespace has them registered,
 * whereas upserting an unregistered one fails every workflow task until someone registers it.
 */
export class RolloutSearchAttributes {
  private readonly enabled: boolean;
  private last: { state: string; stage: string };

  constructor() {
    const started = workflowInfo().typedSearchAttributes;
    this.enabled = started.get(RolloutIdKey) !== undefined;
    this.last = { state: started.get(RolloutStateKey) ?? '', stage: started.get(CurrentStageKey) ?? '' };
  }

  publish(status: RolloutStatus): void {
    const next = { state: status.state, stage: status.currentStage ?? '' };
    if (!this.enabled || (next.state === this.last.state && next.stage === this.last.stage)) return;
    this.last = next;
    upsertSearchAttributes([
      { key: RolloutStateKey, value: next.state },
      { key: CurrentStageKey, value: next.stage || null },
    ]);
  }
}
