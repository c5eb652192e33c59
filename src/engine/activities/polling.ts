import { Context } from '@temporalio/activity';

const FIRST_POLL_MS = 50;

/**
 * Polls until `done`, heartbeating every round so a dead worker is noticed. The interval starts
 * small and doubles up to `maxIntervalMs`: quick operations finish quickly, long ones cost few calls.
 */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, maxIntervalMs: number): Promise<T> {
  let interval = Math.min(FIRST_POLL_MS, maxIntervalMs);
  for (;;) {
    const value = await read();
    Context.current().heartbeat();
    if (done(value)) return value;
    await Context.current().sleep(interval);
    interval = Math.min(interval * 2, maxIntervalMs);
  }
}
