import { Cron } from 'croner';
import { z } from 'zod';
import type { Device } from '../ports/fleetProvider';
import { CohortSelector, matches } from './cohorts';
import { PositiveDurationMs } from './duration';

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** Five fields only: seconds and years make no sense for a window, and without years every valid schedule recurs. */
const schedule = (cron: string, timeZone: string): Cron => new Cron(cron, { timezone: timeZone, mode: '5-part' });

/** Where the schedule is wrong, or undefined when it opens at least once. */
function scheduleProblem(cron: string, timeZone: string): string | undefined {
  try {
    return schedule(cron, timeZone).nextRun(new Date(0)) ? undefined : `"${cron}" never fires (e.g. 31 February)`;
  } catch (error) {
    return `"${cron}" is not a five-field cron expression (minute hour day-of-month month day-of-week): ${(error as Error).message}`;
  }
}

/** A window opens at each time `cron` fires, read in `timeZone` (so it follows daylight saving), and stays open `duration`. */
export const MaintenanceWindow = z
  .object({
    cron: z.string().min(1),
    duration: PositiveDurationMs,
    timeZone: z.string().refine(isTimeZone, { message: 'not an IANA time zone: write e.g. "Europe/Berlin" or "UTC"' }),
  })
  .strict()
  .superRefine((window, ctx) => {
    // A bad time zone is reported on its own field; reading the schedule in it would only repeat that.
    const problem = isTimeZone(window.timeZone) ? scheduleProblem(window.cron, window.timeZone) : undefined;
    if (problem) ctx.addIssue({ code: 'custom', path: ['cron'], message: problem });
  });
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

/** The window of the devices `cohort` selects. */
export const CohortWindow = z.object({ cohort: CohortSelector, window: MaintenanceWindow }).strict();
export type CohortWindow = z.infer<typeof CohortWindow>;

/**
 * The index of the first window whose cohort the device is in; undefined means the device has no
 * window and may be updated any time. An index, not the window: the ledger keeps it per target.
 */
export function windowIndexFor(device: Pick<Device, 'attributes'>, windows: readonly CohortWindow[]): number | undefined {
  const index = windows.findIndex(({ cohort }) => matches(device, cohort));
  return index === -1 ? undefined : index;
}

export interface OpenSpan {
  opensAtMs: number;
  closesAtMs: number;
}

/** The opening that covers `atMs`, or undefined while the window is closed. */
export function openSpanAt(atMs: number, window: MaintenanceWindow): OpenSpan | undefined {
  // croner's previous runs are strictly before the reference: 1 ms later counts an opening at `atMs` itself.
  const [latest] = schedule(window.cron, window.timeZone).previousRuns(1, new Date(atMs + 1));
  if (!latest) return undefined;
  const closesAtMs = latest.getTime() + window.duration;
  return atMs < closesAtMs ? { opensAtMs: latest.getTime(), closesAtMs } : undefined;
}

export const isOpen = (atMs: number, window: MaintenanceWindow): boolean => openSpanAt(atMs, window) !== undefined;

/** The earliest moment at or after `atMs` when the window is open: `atMs` itself while it is open. */
export function nextOpening(atMs: number, window: MaintenanceWindow): number {
  if (isOpen(atMs, window)) return atMs;
  const next = schedule(window.cron, window.timeZone).nextRun(new Date(atMs));
  if (!next) throw new RangeError(`maintenance window "${window.cron}" never opens again`);
  return next.getTime();
}
