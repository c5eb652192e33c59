import { z } from 'zod';

/**
 * The fleet budget: operations in flight granted to rollouts as leases, up to a fleet-wide limit.
 * A lease that is not renewed within its time to live expires (its rollout died), and so does a
 * request nobody asks after any more; the operations come back to the budget.
 *
 * Workers report the adaptive limit they hold for the device-management service with their
 * requests; while any report is live the budget grants no more than those limits add up to, so the
 * budget's priorities and fair shares decide who gets what the service can take now, rather than
 * leases that then wait inside a worker for the service.
 */

/** Which rollout goes first when operations free up: a hotfix `high`, background work `low`. */
export const Priority = z.enum(['high', 'normal', 'low']);
export type Priority = z.infer<typeof Priority>;

/** The adaptive limit one worker process holds for the device-management service now. */
export const ServiceLimitReport = z
  .object({
    worker: z.string().min(1),
    limit: z.number().int().positive('at least one operation'),
  })
  .strict();
export type ServiceLimitReport = z.infer<typeof ServiceLimitReport>;

export const LeaseRequest = z
  .object({
    /** Stable across retries of the activity that asks: a second request with it is the same one. */
    requestId: z.string().min(1),
    rolloutId: z.string().min(1),
    priority: Priority,
    operations: z.number().int().positive('at least one operation'),
    /** The asking worker's adaptive limit; absent from workers without one. */
    serviceLimit: ServiceLimitReport.optional(),
  })
  .strict();
export type LeaseRequest = z.infer<typeof LeaseRequest>;

export interface Lease extends Omit<LeaseRequest, 'serviceLimit'> {
  /** When it was asked for (waiting) or granted (leased), on the workflow clock. */
  sinceMs: number;
  expiresAtMs: number;
}

interface HeardServiceLimit extends ServiceLimitReport {
  expiresAtMs: number;
}

/** Plain JSON: carried whole through continue-as-new. */
export interface BudgetState {
  /** The operator's fleet-wide limit. */
  limit: number;
  leases: Lease[];
  waiting: Lease[];
  /** The latest adaptive limit of each worker that reported one, until it goes unrenewed as leases do. */
  serviceLimits?: HeardServiceLimit[];
}

export type LeaseAnswer = { granted: true; expiresAtMs: number } | { granted: false; position: number; waiting: number };

const RANK: Record<Priority, number> = { high: 0, normal: 1, low: 2 };

export const inFlight = (state: Pick<BudgetState, 'leases'>): number => state.leases.reduce((sum, lease) => sum + lease.operations, 0);

/** What the workers' adaptive limits add up to; undefined while none is reported. */
export function serviceLimit({ serviceLimits = [] }: BudgetState): number | undefined {
  return serviceLimits.length === 0 ? undefined : serviceLimits.reduce((sum, heard) => sum + heard.limit, 0);
}

/** The operations in flight the budget grants up to: the operator's limit, or the service's if lower. */
export const effectiveLimit = (state: BudgetState): number => Math.min(state.limit, serviceLimit(state) ?? Infinity);

/** Drops what expired by `nowMs`, then grants waiting requests in `nextInLine` order while they fit. */
export function settle(state: BudgetState, nowMs: number): BudgetState {
  const live = (held: { expiresAtMs: number }) => held.expiresAtMs > nowMs;
  const settled = { limit: state.limit, leases: state.leases.filter(live), waiting: state.waiting.filter(live), ...withServiceLimits(state.serviceLimits?.filter(live)) };
  const limit = effectiveLimit(settled);
  for (;;) {
    const next = nextInLine(settled.waiting, settled.leases);
    // A request above the limit waits for an empty budget, so it is served and never starves.
    if (!next || (settled.leases.length > 0 && inFlight(settled) + next.operations > limit)) break;
    settled.waiting.splice(settled.waiting.indexOf(next), 1);
    settled.leases.push({ ...next, sinceMs: nowMs });
  }
  return settled;
}

/** Absent rather than empty, so a state from before service limits is carried on unchanged. */
const withServiceLimits = (serviceLimits: HeardServiceLimit[] | undefined): Pick<BudgetState, 'serviceLimits'> =>
  serviceLimits && serviceLimits.length > 0 ? { serviceLimits } : {};

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

/**
 * Asks for a lease, or asks again (which keeps a waiting request and a granted lease alive for
 * `ttlMs` more), and hears the asking worker's adaptive limit, if it sent one.
 */
export function request(state: BudgetState, { serviceLimit: report, ...asked }: LeaseRequest, nowMs: number, ttlMs: number): BudgetState {
  const expiresAtMs = nowMs + ttlMs;
  const renew = (lease: Lease) => (lease.requestId === asked.requestId ? { ...lease, expiresAtMs } : lease);
  const known = [...state.leases, ...state.waiting].some((lease) => lease.requestId === asked.requestId);
  const waiting = known ? state.waiting.map(renew) : [...state.waiting, { ...asked, sinceMs: nowMs, expiresAtMs }];
  const others = (state.serviceLimits ?? []).filter((heard) => heard.worker !== report?.worker);
  const serviceLimits = report ? [...others, { ...report, expiresAtMs }] : state.serviceLimits;
  return settle({ ...state, leases: state.leases.map(renew), waiting, ...withServiceLimits(serviceLimits) }, nowMs);
}

export function release(state: BudgetState, requestId: string): BudgetState {
  const other = (lease: Lease) => lease.requestId !== requestId;
  return { ...state, leases: state.leases.filter(other), waiting: state.waiting.filter(other) };
}

export function answer(state: BudgetState, requestId: string): LeaseAnswer | undefined {
  const lease = state.leases.find((each) => each.requestId === requestId);
  if (lease) return { granted: true, expiresAtMs: lease.expiresAtMs };
  const order = [...state.waiting].sort((a, b) => a.sinceMs - b.sinceMs);
  const position = order.findIndex((each) => each.requestId === requestId);
  return position < 0 ? undefined : { granted: false, position: position + 1, waiting: order.length };
}

/** What `rollout budget` and the Web UI show: the limits, what is in flight, per rollout. */
export interface BudgetView {
  fleet: string;
  /** The operator's fleet-wide limit. */
  limit: number;
  /** What the workers' adaptive limits for the service add up to now, and how many workers reported one. */
  service?: { limit: number; workers: number };
  inFlight: number;
  rollouts: { rolloutId: string; priority: Priority; leased: number; waiting: number }[];
}

export function budgetView(fleet: string, state: BudgetState): BudgetView {
  const rows = new Map<string, BudgetView['rollouts'][number]>();
  const row = (lease: Lease) => rows.get(lease.rolloutId) ?? rows.set(lease.rolloutId, { rolloutId: lease.rolloutId, priority: lease.priority, leased: 0, waiting: 0 }).get(lease.rolloutId)!;
  for (const lease of state.leases) row(lease).leased += lease.operations;
  for (const lease of state.waiting) row(lease).waiting += lease.operations;
  const service = serviceLimit(state);
  return {
    fleet,
    limit: state.limit,
    ...(service === undefined ? {} : { service: { limit: service, workers: state.serviceLimits!.length } }),
    inFlight: inFlight(state),
    rollouts: [...rows.values()].sort((a, b) => a.rolloutId.localeCompare(b.rolloutId)),
  };
}

/** One line for the CLI and the Web UI: what is in flight against the limit the budget grants up to now. */
export function budgetHeadline({ limit, service, inFlight }: BudgetView): string {
  if (!service || service.limit >= limit) return `${inFlight} of ${limit} operations in flight`;
  const workers = service.workers === 1 ? 'one worker' : `${service.workers} workers`;
  return `${inFlight} of ${service.limit} operations in flight: the service's adaptive limit (${workers}), under the fleet limit of ${limit}`;
}
