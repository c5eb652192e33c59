import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A token bucket counted in bytes, for `firmware.download.rate_limit`-style limits. A sender
 * reserves its bytes up front (the balance may go negative) and waits until they are paid back,
 * so concurrent senders share the rate in arrival order. The burst is one second's worth.
 */
export class ByteRate {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
    private readonly wait: (ms: number) => Promise<unknown> = sleep,
  ) {
    this.tokens = bytesPerSecond;
    this.refilledAt = now();
  }

  async take(bytes: number): Promise<void> {
    const now = this.now();
    this.tokens = Math.min(this.bytesPerSecond, this.tokens + ((now - this.refilledAt) / 1000) * this.bytesPerSecond) - bytes;
    this.refilledAt = now;
    if (this.tokens < 0) await this.wait((-this.tokens / this.bytesPerSecond) * 1000);
  }
}

/** Megabits per second, as the seed writes rates (`rate_limit=10Mbps`), in bytes per second. */
export const mbpsToBytesPerSecond = (mbps: number): number => (mbps * 1_000_000) / 8;
