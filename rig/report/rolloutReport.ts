import { z } from 'zod';
import { Decision, DeviceOutcomeState, RolloutState, StageState, type DeviceOutcome, type RolloutStatus } from '../../src/engine/model/status';
import type { SimMetrics } from '../simulator/metrics';
import { reportedOutcome, type DeviceReport, type FleetOutcome } from '../simulator/outcome';

/** Where the workflow left a device: its outcome in the ledger, or why it has none. */
export const WorkflowEnding = z.enum([...DeviceOutcomeState.options, 'not_reached', 'not_targeted']);
export type WorkflowEnding = z.infer<typeof WorkflowEnding>;

export const DemoStop = z.enum(['held', 'limit']);
export type DemoStop = z.infer<typeof DemoStop>;

export const RunSettings = z.object({
  plan: z.string(),
  devices: z.number().int(),
  seed: z.number().int(),
  profile: z.string(),
  speedup: z.number(),
  imageBytes: z.number().int(),
});
export type RunSettings = z.infer<typeof RunSettings>;

const count = z.number().int().nonnegative();

export const StageRow = z.object({
  name: z.string(),
  state: StageState,
  devices: count,
  batchesDone: count,
  batches: count,
  succeeded: count,
  failed: count,
  deferred: count,
  rolledBack: count,
  pending: count,
  /** Succeeded among the devices tried; absent when none was. */
  successRate: z.number().optional(),
});

/** Gateways that did not end on the target, grouped by what the workflow recorded for them. */
export const NotUpdatedRow = z.object({
  ending: WorkflowEnding,
  /** The recorded reason without its figures (`battery 20% ≤ 50%` → `battery`). */
  reason: z.string(),
  devices: count,
  needsManualIntervention: count,
  /** One full reason as recorded, for the figures. */
  example: z.string(),
});
export type NotUpdatedRow = z.infer<typeof NotUpdatedRow>;

export const CohortAttribute = z.enum(['hardwareRevision', 'region']);
export type CohortAttribute = z.infer<typeof CohortAttribute>;

export const CohortRow = z.object({
  attribute: CohortAttribute,
  value: z.string(),
  devices: count,
  updated: count,
  needsManualIntervention: count,
  failed: count,
  deferred: count,
  rolledBack: count,
  notReached: count,
});
export type CohortRow = z.infer<typeof CohortRow>;

export const RolloutReport = z.object({
  rolloutId: z.string(),
  firmwareVersion: z.string(),
  state: RolloutState,
  /** Why the demo stopped the rollout before it ended: a gate held it for an operator, or the plan-time limit was up. */
  stoppedBy: DemoStop.optional(),
  run: RunSettings.extend({ wallTimeMs: z.number(), planTimeMs: z.number() }),
  fleet: z.object({
    devices: count,
    updated: count,
    successRate: z.number(),
    notUpdated: count,
    needsManualIntervention: count,
    wedged: count,
    dead: count,
    crashesPerHourOnTarget: z.number(),
    devicesDisconnected: count,
    devicesDisconnectedByLoad: count,
    disconnections: count,
    peakCpuPercent: z.number(),
    peakOperationsInFlight: count,
    requestsRefused: count,
    /** The worker's adaptive limit on operations in flight, lowest and highest the demo saw. */
    adaptiveLimit: z.object({ lowest: count, highest: count }).optional(),
  }),
  stages: z.array(StageRow),
  notUpdated: z.array(NotUpdatedRow),
  cohorts: z.array(CohortRow),
  versions: z.object({ before: z.record(z.string(), count), after: z.record(z.string(), count) }),
  decisions: z.array(Decision),
  /** Operator requests that took effect (pause, resume, approve, rollback, abort). */
  operatorActions: count,
});
export type RolloutReport = z.infer<typeof RolloutReport>;

export interface ReportInputs {
  run: RunSettings;
  wallTimeMs: number;
  stoppedBy: DemoStop | undefined;
  status: RolloutStatus;
  /** The rollout's targets by id (the ledger's snapshot) and their latest outcomes. */
  targets: ReadonlySet<string>;
  outcomes: readonly DeviceOutcome[];
  /** The simulator's view of every gateway before the rollout started and after it ended. */
  devicesBefore: readonly DeviceReport[];
  devicesAfter: readonly DeviceReport[];
  fleet: FleetOutcome;
  metrics: SimMetrics;
  adaptiveLimit?: { lowest: number; highest: number } | undefined;
}

/** Joins what the workflow recorded with what the simulated fleet really ended up as. */
export function buildReport(inputs: ReportInputs): RolloutReport {
  const { status, fleet, metrics } = inputs;
  const byDevice = new Map(inputs.outcomes.map((outcome) => [outcome.deviceId, outcome]));
  const endings = inputs.devicesAfter.map((device) => ({
    device,
    outcome: byDevice.get(device.deviceId),
    ending: workflowEnding(device.deviceId, byDevice, inputs.targets),
    truth: reportedOutcome(device, status.firmwareVersion),
  }));
  return {
    rolloutId: status.rolloutId,
    firmwareVersion: status.firmwareVersion,
    state: status.state,
    ...(inputs.stoppedBy ? { stoppedBy: inputs.stoppedBy } : {}),
    run: { ...inputs.run, wallTimeMs: inputs.wallTimeMs, planTimeMs: metrics.clock.planTimeMs },
    fleet: {
      devices: fleet.devices,
      updated: fleet.updated,
      successRate: fleet.successRate,
      notUpdated: fleet.notUpdated,
      needsManualIntervention: fleet.needsManualIntervention,
      wedged: fleet.wedged,
      dead: fleet.dead,
      crashesPerHourOnTarget: fleet.crashesPerHourOnTarget,
      devicesDisconnected: fleet.devicesDisconnected,
      devicesDisconnectedByLoad: fleet.devicesDisconnectedByLoad,
      disconnections: metrics.devices.disconnections,
      peakCpuPercent: metrics.management.peakCpuPercent,
      peakOperationsInFlight: metrics.management.peakOperationsInFlight,
      requestsRefused: metrics.management.requestsRefused,
      ...(inputs.adaptiveLimit ? { adaptiveLimit: inputs.adaptiveLimit } : {}),
    },
    stages: status.stages.map(({ name, state, devices, batches, batchesDone, counts, successRate }) => ({
      name,
      state,
      devices,
      batchesDone,
      batches,
      succeeded: counts.succeeded,
      failed: counts.failed,
      deferred: counts.deferred,
      rolledBack: counts.rolled_back,
      pending: counts.pending,
      ...(successRate === undefined ? {} : { successRate }),
    })),
    notUpdated: notUpdatedRows(endings.filter((entry) => entry.truth !== 'updated')),
    cohorts: CohortAttribute.options.flatMap((attribute) => cohortRows(attribute, endings)),
    versions: { before: versionCounts(inputs.devicesBefore), after: versionCounts(inputs.devicesAfter) },
    decisions: status.decisions,
    operatorActions: status.audit.filter((entry) => entry.via !== 'start' && !entry.rejected).length,
  };
}

interface DeviceEnding {
  device: DeviceReport;
  outcome: DeviceOutcome | undefined;
  ending: WorkflowEnding;
  truth: ReturnType<typeof reportedOutcome>;
}

function workflowEnding(deviceId: string, outcomes: ReadonlyMap<string, DeviceOutcome>, targets: ReadonlySet<string>): WorkflowEnding {
  const outcome = outcomes.get(deviceId);
  if (outcome) return outcome.state;
  return targets.has(deviceId) ? 'not_reached' : 'not_targeted';
}

/** A reason without its figures, so that `battery 20% ≤ 50%` and `battery 31% ≤ 50%` count together. */
export const reasonKind = (reason: string | undefined): string => reason?.split(/[\d:]/)[0]?.trim() || '–';

function notUpdatedRows(entries: readonly DeviceEnding[]): NotUpdatedRow[] {
  const rows = new Map<string, NotUpdatedRow>();
  for (const { ending, outcome, truth } of entries) {
    const reason = reasonKind(outcome?.reason);
    const key = `${ending}\u0000${reason}`;
    const row = rows.get(key) ?? { ending, reason, devices: 0, needsManualIntervention: 0, example: outcome?.reason ?? '' };
    row.devices += 1;
    if (truth === 'needs_manual_intervention') row.needsManualIntervention += 1;
    rows.set(key, row);
  }
  return [...rows.values()].sort((a, b) => b.devices - a.devices || a.ending.localeCompare(b.ending) || a.reason.localeCompare(b.reason));
}

function cohortRows(attribute: CohortAttribute, entries: readonly DeviceEnding[]): CohortRow[] {
  const rows = new Map<string, CohortRow>();
  for (const { device, ending, truth } of entries) {
    const value = device[attribute];
    const row = rows.get(value) ?? { attribute, value, devices: 0, updated: 0, needsManualIntervention: 0, failed: 0, deferred: 0, rolledBack: 0, notReached: 0 };
    row.devices += 1;
    if (truth === 'updated') row.updated += 1;
    if (truth === 'needs_manual_intervention') row.needsManualIntervention += 1;
    if (ending === 'failed') row.failed += 1;
    if (ending === 'deferred') row.deferred += 1;
    if (ending === 'rolled_back') row.rolledBack += 1;
    if (ending === 'not_reached') row.notReached += 1;
    rows.set(value, row);
  }
  return [...rows.values()].sort((a, b) => a.value.localeCompare(b.value));
}

function versionCounts(devices: readonly DeviceReport[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { firmwareVersion } of devices) counts[firmwareVersion] = (counts[firmwareVersion] ?? 0) + 1;
  return counts;
}
