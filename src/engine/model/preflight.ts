import { z } from 'zod';
import type { Vitals } from '../ports/fleetProvider';

/** The seed's pre-update validation; a device that fails it is deferred, not counted as failed. */
export const PreflightRules = z
  .object({
    maxCpuPercent: z.number().min(0).max(100).default(40),
    minDiskFreeMb: z.number().nonnegative().default(500),
    /** Applies to battery-backed gateways only. */
    minBatteryPercent: z.number().min(0).max(100).default(50),
    requireStableConnectivity: z.boolean().default(true),
    /**
     * From this catch-up round on, a device whose only problem is an unstable link (so it has been
     * deferred in its stage and every round before) is updated with a resumable download instead.
     * Optional in the schema so rollouts resolved before it still check; `resolveRollout` defaults it
     * to DEFAULT_RESUMABLE_FROM_ROUND.
     */
    resumableDownloadFromRound: z.number().int().min(1, 'give a catch-up round, 1 or later').optional(),
    forbidCriticalProcesses: z.boolean().default(true),
  })
  .strict();
export type PreflightRules = z.infer<typeof PreflightRules>;

/** Three hourly re-checks (the seed plan's catch-up) of a link that never settled are enough waiting. */
export const DEFAULT_RESUMABLE_FROM_ROUND = 3;

export const UNSTABLE_LINK = 'connectivity unstable';

/**
 * Whether preflight lets a device whose link is unstable through, to a resumable download: in catch-up
 * round `resumableDownloadFromRound` or later, when the link is all that keeps it back.
 */
export function updatesResumably(reason: string | undefined, rules: PreflightRules, catchUpRound: number | undefined): boolean {
  const from = rules.resumableDownloadFromRound;
  return reason === UNSTABLE_LINK && from !== undefined && catchUpRound !== undefined && catchUpRound >= from;
}

/** The deferral of a device that is not connected, as opposed to one that is not ready. */
export const OFFLINE = 'offline';

/** Why the device is not ready now, or undefined when it is. */
export function preflightDeferral(vitals: Vitals, rules: PreflightRules): string | undefined {
  if (!vitals.online) return OFFLINE;
  if (vitals.cpuPercent >= rules.maxCpuPercent) return `cpu ${vitals.cpuPercent}% ≥ ${rules.maxCpuPercent}%`;
  if (vitals.diskFreeMb <= rules.minDiskFreeMb) return `disk free ${vitals.diskFreeMb} MB ≤ ${rules.minDiskFreeMb} MB`;
  if (vitals.batteryPercent !== null && vitals.batteryPercent <= rules.minBatteryPercent) {
    return `battery ${vitals.batteryPercent}% ≤ ${rules.minBatteryPercent}%`;
  }
  if (rules.requireStableConnectivity && !vitals.connectivityStable) return UNSTABLE_LINK;
  if (rules.forbidCriticalProcesses && vitals.criticalProcesses.length > 0) {
    return `critical processes running: ${vitals.criticalProcesses.join(', ')}`;
  }
  return undefined;
}
