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
    forbidCriticalProcesses: z.boolean().default(true),
  })
  .strict();
export type PreflightRules = z.infer<typeof PreflightRules>;

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
  if (rules.requireStableConnectivity && !vitals.connectivityStable) return 'connectivity unstable';
  if (rules.forbidCriticalProcesses && vitals.criticalProcesses.length > 0) {
    return `critical processes running: ${vitals.criticalProcesses.join(', ')}`;
  }
  return undefined;
}
