import { z } from 'zod';
import { msToNumber } from '@temporalio/common/lib/time';

/** A duration as operators write it ('20 minutes', '1h', '90s') or milliseconds; parsed to milliseconds. */
export const DurationMs = z
  .union([z.string(), z.number().nonnegative()])
  .transform((value, ctx) => {
    try {
      const millis = msToNumber(value as Parameters<typeof msToNumber>[0]);
      if (Number.isFinite(millis) && millis >= 0) return millis;
    } catch {
      // reported below
    }
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration: write e.g. "20 minutes", "1h" or a number of milliseconds` });
    return z.NEVER;
  });
