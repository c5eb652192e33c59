import { CancellationScope, condition, log, ParentClosePolicy, patched, startChild } from '@temporalio/workflow';
import { alertWorkflowId } from '../model/ids';
import { deadlineWarningAt, rolloutEventId, type RaisedEvent, type RolloutEvent, type RolloutEventKind } from '../model/notifications';
import type { ResolvedRolloutInput } from '../model/rollout';
import type { Decision } from '../model/status';
import { alertDeliveryWorkflow } from './alertDelivery';
import { nowIso, nowMs } from './workflowTime';

/** Rollouts started before alerts existed schedule no delivery: their histories replay unchanged. */
export const ROLLOUT_ALERTS_PATCH = 'rollout-alerts';

/**
 * Tells the plan's webhooks what a person must know. Each event is delivered by a child workflow the
 * rollout starts and abandons: the rollout never waits for a receiver nor fails with one, and the
 * delivery goes on retrying after the rollout has ended (a completion event too). The event id, and
 * the child's workflow id with it, is `rolloutId/kind/sequence`, the same on every replay and retry.
 */
export class RolloutAlerts {
  private readonly raised: Partial<Record<RolloutEventKind, number>> = {};
  private readonly starting = new Set<Promise<void>>();

  constructor(private readonly input: ResolvedRolloutInput) {}

  raise(raised: RaisedEvent): void {
    if (!this.enabled()) return;
    const { rolloutId } = this.input.plan;
    const sequence = (this.raised[raised.kind] ?? 0) + 1;
    this.raised[raised.kind] = sequence;
    const event = { ...raised, eventId: rolloutEventId(rolloutId, raised.kind, sequence), rolloutId, at: nowIso() } as RolloutEvent;
    const started: Promise<void> = CancellationScope.nonCancellable(() =>
      startChild(alertDeliveryWorkflow, {
        workflowId: alertWorkflowId(event.eventId),
        args: [{ webhooks: this.input.plan.notifications.webhooks, event }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        staticSummary: `alert ${event.kind}`,
      }),
    ).then(
      () => undefined,
      (error: unknown) => log.warn('the alert was not started', { eventId: event.eventId, error }),
    );
    this.starting.add(started);
    void started.then(() => this.starting.delete(started));
  }

  /**
   * The rollout paused on a decision: operators hear it now and, if it has a deadline and is still
   * waiting when that nears, again before the rollout decides on its own.
   */
  paused(trigger: string, decision: Decision, stillWaiting: () => boolean): void {
    const described = `${decision.action.replaceAll('_', ' ')}: ${decision.reason}`;
    this.raise({ kind: 'paused_by_trigger', trigger, decision: described, ...(decision.deadline ? { deadline: decision.deadline } : {}) });
    if (decision.deadline && this.enabled()) void this.warnBefore(decision.deadline, described, stillWaiting);
  }

  /** Resolves once every alert raised so far has its delivery started; the rollout calls it before it returns. */
  async started(): Promise<void> {
    await Promise.all(this.starting);
  }

  private async warnBefore(deadline: string, decision: string, stillWaiting: () => boolean): Promise<void> {
    const waitMs = deadlineWarningAt(nowMs(), Date.parse(deadline), this.input.speedup) - nowMs();
    if (waitMs > 0 && (await condition(() => !stillWaiting(), waitMs))) return;
    if (stillWaiting()) this.raise({ kind: 'deadline_near', decision, deadline });
  }

  private enabled(): boolean {
    return this.input.plan.notifications.webhooks.length > 0 && patched(ROLLOUT_ALERTS_PATCH);
  }
}
