/**
 * The workflow's clock. Inside the workflow sandbox `Date` is replay-safe: it reads the time of the
 * workflow task being processed, recorded in history, never the machine's clock. Workflow code
 * reads time only through these two, so that lint can keep every other clock out.
 */
// eslint-disable-next-line no-restricted-properties -- the one sanctioned read of the sandbox clock
export const nowMs = (): number => Date.now();

export const nowIso = (): string => new Date(nowMs()).toISOString();
