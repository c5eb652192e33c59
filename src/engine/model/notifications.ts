import { z } from 'zod';

/** Where a plan's rollout events go: webhooks, each with its body format and the variable holding its signing secret. */
export const Webhook = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
    format: z.enum(['json', 'slack']).default('json'),
    /** The worker's environment variable with the HMAC-SHA256 key; the secret itself never enters the plan or history. */
    secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'must be an environment variable name such as ROLLOUT_WEBHOOK_SECRET' }).optional(),
  })
  .strict();
export type Webhook = z.infer<typeof Webhook>;

export const Notifications = z.object({ webhooks: z.array(Webhook).default([]) }).strict();
export type Notifications = z.infer<typeof Notifications>;

const EventBase = {
  /** Unique per event and stable across retries: the receiver dedupes on it. */
  eventId: z.string().min(1),
  rolloutId: z.string().min(1),
  /** ISO time the workflow recorded the event (workflow clock). */
  at: z.iso.datetime(),
};

/** What operators are told about, one shape per kind. */
export const RolloutEvent = z.discriminatedUnion('kind', [
  z.object({ ...EventBase, kind: z.literal('paused_by_trigger'), trigger: z.string(), decision: z.string(), deadline: z.iso.datetime().optional() }),
  z.object({ ...EventBase, kind: z.literal('rolled_back'), scope: z.string(), devices: z.number().int().nonnegative() }),
  z.object({ ...EventBase, kind: z.literal('firmware_quarantined'), firmwareVersion: z.string(), cohort: z.string().optional() }),
  z.object({ ...EventBase, kind: z.literal('waiting_for_approval'), stage: z.string() }),
  z.object({ ...EventBase, kind: z.literal('deadline_near'), decision: z.string(), deadline: z.iso.datetime() }),
  z.object({ ...EventBase, kind: z.literal('completed_with_misses'), missed: z.number().int().positive(), updated: z.number().int().nonnegative() }),
]);
export type RolloutEvent = z.infer<typeof RolloutEvent>;
export type RolloutEventKind = RolloutEvent['kind'];

/** An event as the workflow raises it: what happened, before it gets its id and time. */
export type RaisedEvent = RolloutEvent extends infer Event ? (Event extends RolloutEvent ? Omit<Event, keyof typeof EventBase> : never) : never;

/** `rolloutId/kind/sequence`: the n-th event of its kind in the rollout, the same on every replay and retry. */
export const rolloutEventId = (rolloutId: string, kind: RolloutEventKind, sequence: number): string => `${rolloutId}/${kind}/${sequence}`;

/** How long before a decision's deadline operators are warned: a quarter of the wait, at most an hour of plan time. */
const DEADLINE_WARNING_SHARE = 0.25;
const DEADLINE_WARNING_MAX_MS = 3_600_000;

/** When to warn that `deadlineMs` is near, on the workflow clock (plan time divided by `speedup`). */
export function deadlineWarningAt(nowMs: number, deadlineMs: number, speedup: number): number {
  const lead = Math.min((deadlineMs - nowMs) * DEADLINE_WARNING_SHARE, DEADLINE_WARNING_MAX_MS / speedup);
  return deadlineMs - Math.max(0, lead);
}

/** One line a person reads, e.g. in Slack. */
export function eventSummary(event: RolloutEvent): string {
  const rollout = `Rollout ${event.rolloutId}`;
  switch (event.kind) {
    case 'paused_by_trigger':
      return `${rollout} paused by ${event.trigger}: ${event.decision}${event.deadline ? ` at ${event.deadline} unless an operator acts` : ''}`;
    case 'rolled_back':
      return `${rollout} rolled back ${event.scope} (${event.devices} devices)`;
    case 'firmware_quarantined':
      return `${rollout} quarantined firmware ${event.firmwareVersion}${event.cohort ? ` for cohort ${event.cohort}` : ''}`;
    case 'waiting_for_approval':
      return `${rollout} waits for an operator to approve stage ${event.stage}`;
    case 'deadline_near':
      return `${rollout} decides on its own at ${event.deadline} unless an operator acts: ${event.decision}`;
    case 'completed_with_misses':
      return `${rollout} completed: ${event.updated} devices updated, ${event.missed} missed`;
  }
}
