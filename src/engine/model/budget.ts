import { z } from 'zod';

/**
 * The fleet budget: operations in flight granted to rollouts as leases, up to a fleet-wide limit.
 * A lease that is not renewed within its time to live expires (its rollout died), and so does a
 * request nobody asks after any more; the operations come back to the budget.
 */

/** Which rollout goes first when operations free up: a hotfix `high`, background work `low`. */
export const Priority = z.enum(['high', 'normal', 'low']);
export type Priority = z.infer<typeof Priority>;

export const LeaseRequest = z
  .object({
    /** Stable across retries of the activity that asks: a second request with it is the same one. */
    requestId: z.string().min(1),
    rolloutId: z.string().min(1),
    priority: Priority,
    operations: z.number().int().positive('at least one operation'),
  })
  .strict();
export type LeaseRequest = z.infer<typeof LeaseRequest>;

export interface Lease extends LeaseRequest {
  /** When it was asked for (waiting) or granted (leased), on the workflow clock. */
  sinceMs: number;
  expiresAtMs: number;
}

/** Plain JSON: carried whole through continue-as-new. */
export interface BudgetState {
  limit: number;
  leases: Lease[];
  waiting: Lease[];
}

export type LeaseAnswer = { granted: true; expiresAtMs: number } | { granted: false; position: number; waiting: number };

const RANK: Record<Priority, number> = { high: 0, normal: 1, low: 2 };

export const inFlight = (state: BudgetState): number => state.leases.reduce((sum, lease) => sum + lease.operations, 0);

/** Drops what expired by `nowMs`, then grants waiting requests in `nextInLine` order while they fit. */
export function settle(state: BudgetState, nowMs: number): BudgetState {
  const live = (lease: Lease) => lease.expiresAtMs > nowMs;
  const leases = state.leases.filter(live);
  const waiting = state.waiting.filter(live);
  for (;;) {
    const next = nextInLine(waiting, leases);
    // A request above the limit waits for an empty budget, so it is served and never starves.
    if (!next || (leases.length > 0 && inFlight({ ...state, leases }) + next.operations > state.limit)) break;
    waiting.splice(waiting.indexOf(next), 1);
    leases.push({ ...next, sinceMs: nowMs });
  }
  return { limit: state.limit, leases, waiting };
}

/**
 * The request served next: the highest priority; among equals the one whose rollout holds the fewest
 * operations now, so rollouts of one priority share the budget evenly; then the one waiting longest.
 * The head waits for room rather than letting smaller requests pass it, so none starves.
 */
export function nextInLine(waiting: readonly Lease[], leases: readonly Lease[]): Lease | undefined {
  const held = new Map<string, number>();
  for (const lease of leases) held.set(lease.rolloutId, (held.get(lease.rolloutId) ?? 0) + lease.operations);
  return [...waiting].sort(
    (a, b) => RANK[a.priority] - RANK[b.priority] || (held.get(a.rolloutId) ?? 0) - (held.get(b.rolloutId) ?? 0) || a.sinceMs - b.sinceMs,
  )[0];
}

/** Asks for a lease, or asks again (which keeps a waiting request and a granted lease alive for `ttlMs` more). */
export function request(state: BudgetState, asked: LeaseRequest, nowMs: number, ttlMs: number): BudgetState {
  const expiresAtMs = nowMs + ttlMs;
  const renew = (lease: Lease) => (lease.requestId === asked.requestId ? { ...lease, expiresAtMs } : lease);
  const known = [...state.leases, ...state.waiting].some((lease) => lease.requestId === asked.requestId);
  const waiting = known ? state.waiting.map(renew) : [...state.waiting, { ...asked, sinceMs: nowMs, expiresAtMs }];
  return settle({ limit: state.limit, leases: state.leases.map(renew), waiting }, nowMs);
}

export function release(state: BudgetState, requestId: string): BudgetState {
  const other = (lease: Lease) => lease.requestId !== requestId;
  return { limit: state.limit, leases: state.leases.filter(other), waiting: state.waiting.filter(other) };
}

export function answer(state: BudgetState, requestId: string): LeaseAnswer | undefined {
  const lease = state.leases.find((each) => each.requestId === requestId);
  if (lease) return { granted: true, expiresAtMs: lease.expiresAtMs };
  const order = [...state.waiting].sort((a, b) => a.sinceMs - b.sinceMs);
  const position = order.findIndex((each) => each.requestId === requestId);
  return position < 0 ? undefined : { granted: false, position: position + 1, waiting: order.length };
}

/** What `rollout budget` and the Web UI show: the limit, what is in flight, per rollout. */
export interface BudgetView {
  fleet: string;
  limit: number;
  inFlight: number;
  rollouts: { rolloutId: string; priority: Priority; leased: number; waiting: number }[];
}

export function budgetView(fleet: string, state: BudgetState): BudgetView {
  const rows = new Map<string, BudgetView['rollouts'][number]>();
  const row = (lease: Lease) => rows.get(lease.rolloutId) ?? rows.set(lease.rolloutId, { rolloutId: lease.rolloutId, priority: lease.priority, leased: 0, waiting: 0 }).get(lease.rolloutId)!;
  for (const lease of state.leases) row(lease).leased += lease.operations;
  for (const lease of state.waiting) row(lease).waiting += lease.operations;
  return { fleet, limit: state.limit, inFlight: inFlight(state), rollouts: [...rows.values()].sort((a, b) => a.rolloutId.localeCompare(b.rolloutId)) };
}
