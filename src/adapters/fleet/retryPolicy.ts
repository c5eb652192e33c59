import { z } from 'zod';

export const RetryPolicy = z.object({
  /** Attempts in total, the first included. */
  attempts: z.number().int().min(1).default(4),
  initialDelayMs: z.number().nonnegative().default(200),
  /** Caps the backoff; a Retry-After longer than this ends the retries instead of stalling the caller. */
  maxDelayMs: z.number().nonnegative().default(5_000),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/** Network errors and timeouts are transient too; every other status is final. */
export const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * Exponential backoff with "equal jitter": half of each step is fixed, so retries never bunch at
 * zero, and half is random, so clients that failed together do not retry together.
 */
export function backoffDelayMs({ initialDelayMs, maxDelayMs }: RetryPolicy, retryNumber: number, random = Math.random): number {
  const step = Math.min(maxDelayMs, initialDelayMs * 2 ** (retryNumber - 1));
  return step / 2 + (random() * step) / 2;
}

/** Retry-After is either delay-seconds or an HTTP date. */
export function parseRetryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long every caller of the service holds its requests after an answer: a transient failure's
 * Retry-After, or a 429's backoff when it names none; undefined for other answers, whose backoff is
 * the caller's own.
 */
export function servicePauseMs({ status, retryAfter }: { status: number; retryAfter: string | null }, backoffMs: number, now = Date.now()): number | undefined {
  if (!TRANSIENT_STATUSES.has(status)) return undefined;
  const retryAfterMs = parseRetryAfterMs(retryAfter, now);
  if (retryAfterMs !== undefined) return retryAfterMs;
  return status === 429 ? backoffMs : undefined;
}
