import { z } from 'zod';
import type { Gateway } from './gateway';

/**
 * Where a gateway ended up, judged against the target version:
 * - `updated`: runs the target version and is neither wedged nor dead;
 * - `needs_manual_intervention`: cannot get back to a working, manageable state by itself, whatever
 *   it runs: its battery died (a brownout while flashing, or drained), or its update agent is wedged;
 * - `not_updated`: the rest, all on a working image: failed cleanly, rolled back, never tried, or
 *   away and due back by itself.
 */
export const DeviceOutcome = z.enum(['updated', 'not_updated', 'needs_manual_intervention']);
export type DeviceOutcome = z.infer<typeof DeviceOutcome>;

export const DeviceReport = z.object({
  deviceId: z.string(),
  hardwareRevision: z.string(),
  region: z.string(),
  firmwareVersion: z.string(),
  previousVersion: z.string().nullable(),
  online: z.boolean(),
  offlineReason: z.enum(['absent', 'dropped', 'rebooting', 'dead']).nullable(),
  agent: z.enum(['idle', 'busy', 'wedged']),
  batteryPercent: z.number().nullable(),
  flakyLink: z.boolean(),
  disconnections: z.number().int(),
  loadDisconnections: z.number().int(),
  crashCount: z.number().int(),
});
export type DeviceReport = z.infer<typeof DeviceReport>;

export const FleetOutcome = z.object({
  targetVersion: z.string(),
  devices: z.number().int(),
  updated: z.number().int(),
  notUpdated: z.number().int(),
  needsManualIntervention: z.number().int(),
  /** Manual interventions by cause. */
  wedged: z.number().int(),
  dead: z.number().int(),
  successRate: z.number(),
  /** Crashes per gateway-hour among the updated gateways, since each activated the target: what a crashing image shows. */
  crashesPerHourOnTarget: z.number(),
  /** Gateways that lost their connection at least once. */
  devicesDisconnected: z.number().int(),
  /** Of those, gateways dropped at least once by load (the service's overload, the uplink's congestion). */
  devicesDisconnectedByLoad: z.number().int(),
});
export type FleetOutcome = z.infer<typeof FleetOutcome>;

export function deviceOutcome(gateway: Pick<Gateway, 'dead' | 'wedged' | 'activeVersion'>, targetVersion: string): DeviceOutcome {
  if (gateway.dead || gateway.wedged) return 'needs_manual_intervention';
  return gateway.activeVersion === targetVersion ? 'updated' : 'not_updated';
}

/** The same judgement from a gateway's report, for readers of `/sim/devices`. */
export const reportedOutcome = (report: DeviceReport, targetVersion: string): DeviceOutcome =>
  deviceOutcome({ dead: report.offlineReason === 'dead', wedged: report.agent === 'wedged', activeVersion: report.firmwareVersion }, targetVersion);

export function fleetOutcome(gateways: readonly Gateway[], targetVersion: string, nowMs: number): FleetOutcome {
  const outcomes = gateways.map((gateway) => deviceOutcome(gateway, targetVersion));
  const count = (outcome: DeviceOutcome) => outcomes.filter((candidate) => candidate === outcome).length;
  const updated = gateways.filter((_, index) => outcomes[index] === 'updated');
  const hoursOnTarget = updated.reduce((sum, gateway) => sum + (nowMs - gateway.firmwareSinceMs) / 3_600_000, 0);
  const crashesOnTarget = updated.reduce((sum, gateway) => sum + gateway.crashCount, 0);
  return {
    targetVersion,
    devices: gateways.length,
    updated: count('updated'),
    notUpdated: count('not_updated'),
    needsManualIntervention: count('needs_manual_intervention'),
    wedged: gateways.filter((gateway) => gateway.wedged && !gateway.dead).length,
    dead: gateways.filter((gateway) => gateway.dead).length,
    successRate: gateways.length === 0 ? 0 : count('updated') / gateways.length,
    crashesPerHourOnTarget: hoursOnTarget === 0 ? 0 : Math.round((1000 * crashesOnTarget) / hoursOnTarget) / 1000,
    devicesDisconnected: gateways.filter((gateway) => gateway.disconnections > 0).length,
    devicesDisconnectedByLoad: gateways.filter((gateway) => gateway.loadDisconnections > 0).length,
  };
}

export function deviceReport(gateway: Gateway): DeviceReport {
  const { device } = gateway.traits;
  return {
    deviceId: gateway.id,
    hardwareRevision: device.attributes.hardwareRevision,
    region: device.attributes.region,
    firmwareVersion: gateway.activeVersion,
    previousVersion: gateway.previousVersion ?? null,
    online: gateway.online,
    offlineReason: gateway.offline?.reason ?? null,
    agent: gateway.agent,
    batteryPercent: gateway.batteryPercent === null ? null : Math.round(gateway.batteryPercent),
    flakyLink: gateway.traits.flakyLink,
    disconnections: gateway.disconnections,
    loadDisconnections: gateway.loadDisconnections,
    crashCount: gateway.crashCount,
  };
}
