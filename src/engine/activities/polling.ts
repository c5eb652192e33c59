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

/**
 * Runs `call` heartbeating a few times per heartbeat timeout meanwhile: a fleet call that cuts a hung
 * request and sends it again keeps its attempt alive, while a dead worker still stops heartbeating.
 */
export async function whileHeartbeating<T>(call: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const everyMs = Math.max(100, (context.info.heartbeatTimeoutMs ?? 0) / 3);
  const beat = setInterval(() => context.heartbeat(), everyMs);
  try {
    return await call();
  } finally {
    clearInterval(beat);
  }
}
