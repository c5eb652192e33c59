import { z } from 'zod';
import { FlagName } from '../ports/fleetProvider';
import { PositiveDurationMs } from './duration';

/**
 * An emergency: turn a feature flag off on every device that has it on, without stages or gates,
 * as fast as the fleet's service answers (its rate limit and Retry-After hold the pace).
 */
export const KillSwitchRequest = z
  .object({
    flag: FlagName,
    by: z.string().min(1, 'say who pulls the kill switch'),
    reason: z.string().min(1, 'say why the flag is switched off'),
    /** Devices read and commanded per inventory page: one activity each. */
    pageSize: z.number().int().min(1).max(1000, 'at most 1000: the inventory serves pages of up to 1000 devices').default(1000),
    /** A pass that found devices still on (offline ones, whose command waits) is followed by another this much later. */
    recheckInterval: PositiveDurationMs.prefault('1 minute'),
    /** Passes stop this long after the kill switch was pulled; devices still on then are reported. */
    window: PositiveDurationMs.prefault('7 days'),
    /** Pages one workflow run reads before it continues as new: bounds its history at any fleet size. */
    pagesPerRun: z.number().int().min(1).max(2000, 'at most 2000 pages per run keep the history under Temporal’s limit').default(500),
  })
  .strict();
export type KillSwitchRequest = z.input<typeof KillSwitchRequest>;
export type KillSwitchInput = z.output<typeof KillSwitchRequest>;

/** What one page of the inventory gave. */
export interface KillSwitchPage {
  nextCursor?: string;
  scanned: number;
  /** Devices that reported the flag on. */
  on: number;
  /** Of those, sent a command now (first, or again after theirs failed). */
  commanded: number;
  /** Of those, whose command is still queued at the service (offline devices). */
  waiting: number;
}

export interface KillSwitchPass {
  number: number;
  scanned: number;
  on: number;
  commanded: number;
  waiting: number;
}

/** Carried across continue-as-new; a run of the workflow holds counts and a cursor, never devices. */
export interface KillSwitchProgress {
  /** `kill-switch:<flag>/<startedAtMs>`: groups the commands of this kill switch, and keys them. */
  correlationId: string;
  startedAtMs: number;
  pass: KillSwitchPass;
  cursor?: string;
  /** Devices commanded over all passes. */
  commanded: number;
  /** The last pass that read the whole inventory. */
  lastFullPass?: KillSwitchPass;
  runs: number;
}

export type KillSwitchState = 'switching_off' | 'rechecking' | 'off' | 'window_closed';

export interface KillSwitchStatus extends KillSwitchProgress {
  flag: string;
  state: KillSwitchState;
  by: string;
  reason: string;
}

const NO_PASS = (number: number): KillSwitchPass => ({ number, scanned: 0, on: 0, commanded: 0, waiting: 0 });

export const killSwitchCorrelationId = (flag: string, startedAtMs: number): string => `kill-switch:${flag}/${startedAtMs}`;

export function startProgress(flag: string, startedAtMs: number): KillSwitchProgress {
  return { correlationId: killSwitchCorrelationId(flag, startedAtMs), startedAtMs, pass: NO_PASS(1), commanded: 0, runs: 1 };
}

/** Adds a page to the pass; the cursor moves on, or is gone at the inventory's end. */
export function addPage(progress: KillSwitchProgress, page: KillSwitchPage): KillSwitchProgress {
  const { pass } = progress;
  const { nextCursor, ...counts } = page;
  const next: KillSwitchProgress = {
    ...progress,
    pass: { number: pass.number, scanned: pass.scanned + counts.scanned, on: pass.on + counts.on, commanded: pass.commanded + counts.commanded, waiting: pass.waiting + counts.waiting },
    commanded: progress.commanded + counts.commanded,
  };
  if (nextCursor === undefined) delete next.cursor;
  else next.cursor = nextCursor;
  return next;
}

/** A pass read the whole inventory: done when no device reported the flag on, else another pass. */
export function endPass(progress: KillSwitchProgress): { done: boolean; progress: KillSwitchProgress } {
  const done = progress.pass.on === 0;
  return { done, progress: { ...progress, lastFullPass: progress.pass, pass: NO_PASS(progress.pass.number + 1) } };
}
