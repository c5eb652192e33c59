import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Paces calls to `ratePerSecond`, allowing bursts of up to `burst`. A caller reserves its token
 * up front (the balance may go negative) and waits until it is paid back, so waiters go in order.
 * The service can ask for a pause (a 429's Retry-After): no caller's request goes before it ends,
 * and the bucket holds one token then, so the callers that waited go one after another at the rate,
 * not in one burst.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;
  private pausedUntil = -Infinity;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.refilledAt = now();
  }

  async take(): Promise<void> {
    for (;;) {
      const waitMs = this.reserve();
      if (waitMs > 0) await sleep(waitMs);
      // A pause that began while this caller waited for its token holds it too; it queues again after.
      if (this.now() >= this.pausedUntil) return;
    }
  }

  /** No request before `untilMs` (on this bucket's clock); a shorter pause than the one on does not shorten it. */
  pauseUntil(untilMs: number): void {
    if (untilMs <= this.pausedUntil) return;
    this.pausedUntil = untilMs;
    this.tokens = 1;
    this.refilledAt = untilMs;
  }

  /** Takes the next token; how long to wait for it, in milliseconds. */
  reserve(): number {
    const now = this.now();
    if (now > this.refilledAt) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) / 1000) * this.ratePerSecond);
      this.refilledAt = now;
    }
    this.tokens -= 1;
    const paused = this.refilledAt - now;
    return paused + (this.tokens >= 0 ? 0 : (-this.tokens / this.ratePerSecond) * 1000);
  }
}

/** One bucket per service in this process, keyed by its base URL: what one caller hears from the service slows every caller of it. */
const bucketsByService = new Map<string, TokenBucket>();

/** The process's bucket for the service at `baseUrl`, made with `make` the first time it is asked for. */
export function serviceBucket(baseUrl: string, make: () => TokenBucket): TokenBucket {
  const key = baseUrl.replace(/\/+$/, '');
  let bucket = bucketsByService.get(key);
  if (!bucket) bucketsByService.set(key, (bucket = make()));
  return bucket;
}
