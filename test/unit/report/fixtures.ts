import { emptyCounts, type DeviceOutcome, type RolloutStatus } from '../../../src/engine/model/status';
import type { ReportInputs } from '../../../rig/report/rolloutReport';
import type { SimMetrics } from '../../../rig/simulator/metrics';
import type { DeviceReport, FleetOutcome } from '../../../rig/simulator/outcome';

export function gateway(deviceId: string, hardwareRevision: string, region: string, changes: Partial<DeviceReport> = {}): DeviceReport {
  return {
    deviceId,
    hardwareRevision,
    region,
    firmwareVersion: '1.0.0',
    previousVersion: null,
    online: true,
    offlineReason: null,
    agent: 'idle',
    batteryPercent: null,
    flakyLink: false,
    disconnections: 0,
    loadDisconnections: 0,
    crashCount: 0,
    ...changes,
  };
}

export const metrics = (planTimeMs: number, cpuPercent = 10): SimMetrics => ({
  clock: { planTimeMs, speedup: 600, stepMs: 1000 },
  management: { cpuPercent, peakCpuPercent: 55, cpuDemandPercent: cpuPercent, peakCpuDemandPercent: 55, operationsInFlight: 3, peakOperationsInFlight: 25, queueDepth: 0, saturatedMs: 0, requestsRefused: 2 },
  uplink: { capacityMbps: 200, utilisationPercent: 0, peakUtilisationPercent: 40, bytesMoved: 0, bytesWasted: 0 },
  devices: { total: 7, online: 6, wedged: 1, dead: 1, disconnections: 9, devicesDisconnected: 3, devicesDisconnectedByLoad: 1 },
  operations: { queued: 0, downloading: 0, downloaded: 0, installing: 0, rebooting: 0, succeeded: 0, failed: 0, rolled_back: 0 },
});

export const status = (changes: Partial<RolloutStatus> = {}): RolloutStatus => ({
  rolloutId: 'fw-2',
  firmwareVersion: '2.0.0',
  state: 'completed',
  devices: emptyCounts(),
  stages: [],
  decisions: [],
  decisionCount: 0,
  audit: [],
  auditCount: 0,
  ...changes,
});

export const fleetOutcome: FleetOutcome = {
  targetVersion: '2.0.0',
  devices: 7,
  updated: 2,
  notUpdated: 3,
  needsManualIntervention: 2,
  wedged: 1,
  dead: 1,
  successRate: 2 / 7,
  crashesPerHourOnTarget: 0.01,
  devicesDisconnected: 3,
  devicesDisconnectedByLoad: 1,
};

/**
 * Seven gateways: two updated, two deferred for their battery (one of them dead since), one failed
 * with its agent wedged, one never reached, one not a target at all.
 */
export function reportInputs(): ReportInputs {
  const before = [
    gateway('gw-1', 'rev-a', 'eu-west'),
    gateway('gw-2', 'rev-a', 'us-east'),
    gateway('gw-3', 'rev-b', 'eu-west', { batteryPercent: 20 }),
    gateway('gw-4', 'rev-b', 'eu-west', { batteryPercent: 31 }),
    gateway('gw-5', 'rev-b', 'us-east'),
    gateway('gw-6', 'rev-a', 'us-east'),
    gateway('gw-7', 'rev-a', 'eu-west', { firmwareVersion: '1.5.0' }),
  ];
  const after = before.map((device) => {
    if (device.deviceId === 'gw-1' || device.deviceId === 'gw-2') return { ...device, firmwareVersion: '2.0.0', previousVersion: '1.0.0' };
    if (device.deviceId === 'gw-4') return { ...device, online: false, offlineReason: 'dead' as const };
    if (device.deviceId === 'gw-5') return { ...device, agent: 'wedged' as const };
    return device;
  });
  const outcomes: DeviceOutcome[] = [
    { deviceId: 'gw-1', stage: 'canary', state: 'succeeded', attempts: 1 },
    { deviceId: 'gw-2', stage: 'canary', state: 'succeeded', attempts: 2 },
    { deviceId: 'gw-3', stage: 'canary', state: 'deferred', attempts: 0, reason: 'battery 20% ≤ 50%' },
    { deviceId: 'gw-4', stage: 'wave', state: 'deferred', attempts: 0, reason: 'battery 31% ≤ 50%' },
    { deviceId: 'gw-5', stage: 'wave', state: 'failed', attempts: 5, reason: 'DownloadFailed: connection reset' },
  ];
  return {
    run: { plan: 'plans/seed-200.yml', devices: 7, seed: 1, profile: 'field', speedup: 600, imageBytes: 150 * 1024 * 1024 },
    wallTimeMs: 95_000,
    stoppedBy: undefined,
    status: status({
      stages: [
        { name: 'canary', devices: 3, batches: 1, batchesDone: 1, state: 'completed', counts: { ...emptyCounts(), succeeded: 2, deferred: 1 }, successRate: 1 },
        { name: 'wave', devices: 3, batches: 1, batchesDone: 1, state: 'completed', counts: { ...emptyCounts(1), failed: 1, deferred: 1 }, successRate: 0 },
      ],
      audit: [
        { at: '2026-01-01T00:00:00Z', action: 'start', by: 'demo', via: 'start' },
        { at: '2026-01-01T00:01:00Z', action: 'pause', by: 'alice', reason: 'look', via: 'signal' },
        { at: '2026-01-01T00:02:00Z', action: 'resume', by: 'alice', via: 'update', rejected: 'not paused' },
      ],
    }),
    targets: new Set(['gw-1', 'gw-2', 'gw-3', 'gw-4', 'gw-5', 'gw-6']),
    outcomes,
    devicesBefore: before,
    devicesAfter: after,
    fleet: fleetOutcome,
    metrics: metrics(20 * 3_600_000),
  };
}
