import { z } from 'zod';
import { msToNumber } from '@temporalio/common/lib/time';

const DURATION_EXAMPLE = 'write e.g. "20 minutes", "1h" or a number of milliseconds';

/** A duration as operators write it ('20 minutes', '1h', '90s') or milliseconds; parsed to milliseconds. */
export const DurationMs = z
  .union([z.string(), z.number()], {
    // A missing value is left to the parse's own message (the workflow's names the unresolved default).
    error: (issue) => (issue.input === undefined ? undefined : `${JSON.stringify(issue.input)} is not a duration: ${DURATION_EXAMPLE}`),
  })
  .transform((value, ctx) => {
    try {
      const millis = msToNumber(value as Parameters<typeof msToNumber>[0]);
      if (Number.isFinite(millis) && millis >= 0) return millis;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration: ${DURATION_EXAMPLE}` });
    return z.NEVER;
  });

/** A duration that must pass before something happens: a timeout, an interval, a window. Zero would spin or never wait. */
export const PositiveDurationMs = DurationMs.refine((millis) => millis > 0, 'write a duration above zero, e.g. "30 minutes"');
