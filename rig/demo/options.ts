import { z } from 'zod';
import { PROFILE_NAMES } from '../simulator/profiles';

/** `npm run demo` options, as commander hands them over (strings), checked and converted. */
export const DemoOptions = z.object({
  plan: z.string().min(1),
  devices: z.coerce.number().int().min(1).max(10_000),
  seed: z.coerce.number().int().nonnegative(),
  profile: z.enum(PROFILE_NAMES),
  /** Plan time per real time, for the workflow and the simulator's clock alike. */
  speedup: z.coerce.number().min(1).max(100_000),
  imageMb: z.coerce.number().positive().max(1024),
  /** Plan time after which a rollout that still runs (held for an operator, say) is stopped and reported. */
  limitHours: z.coerce.number().positive(),
  /** Let a rollout held for an operator run on to its decision deadline instead of stopping there. */
  waitHeld: z.boolean(),
  out: z.string().min(1),
  keep: z.boolean(),
});
export type DemoOptions = z.infer<typeof DemoOptions>;

export class InvalidDemoOptionsError extends Error {
  override readonly name = 'InvalidDemoOptionsError';
}

export function parseDemoOptions(raw: unknown): DemoOptions {
  const parsed = DemoOptions.safeParse(raw);
  if (!parsed.success) throw new InvalidDemoOptionsError(`invalid demo option ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
