import { FailureType, INTERVENTION_ERROR_CODES } from '../model/failures';
import { generationOf, updateIdempotencyKey } from '../model/ids';
import type { PreflightRules } from '../model/preflight';
import { preflightDeferral, updatesResumably } from '../model/preflight';
import type { FirmwareRef, FlagCommand, FleetCall, Operation, OperationsQuery, UpdateCommand } from '../ports/fleetProvider';
import type { FlagSetting } from '../model/flagPlan';
import { operationKindOf } from '../model/deviceChange';
import { isTerminal } from '../ports/fleetProvider';
import type { DeviceOutcome } from '../model/status';
import type { DeviceAttempt, DeviceAttemptResult } from '../model/deviceAttempts';
import { batchDevices, type BatchSlice } from './batchDevices';
import type { ActivityDependencies } from './dependencies';
import { pollUntil, whileHeartbeating } from './polling';
import { AdmittedCommands } from './admittedCommands';
import type { LimitTarget } from '../model/concurrencyLimit';
import type { Priority } from '../model/budget';
import type { LeaseRequest } from '../model/budget';
import { activityLeaseId, whileLeased } from './budget';

export interface PreflightBatchInput extends BatchSlice {
  /** Absent in a flag rollout: a flag change downloads nothing, so no device is deferred for its battery, disk or link, and no vitals are read. */
  rules?: PreflightRules | undefined;
}

export interface PreflightBatchResult {
  /** Ready devices that may be updated any time. */
  ready: string[];
  /** Ready devices whose cohort has a maintenance window, by the window's index in the plan. */
  readyInWindow: { window: number; deviceIds: string[] }[];
  deferred: { deviceId: string; reason: string }[];
  /** Taken out of the rollout by a cohort rollback before their turn. */
  withdrawn: string[];
  /** This worker's updates lease from a fleet budget: the batch waits for each group's lease first. Absent from batches preflighted before it was reported. */
  fleetBudget?: boolean;
}

/** What an attempt sends: a firmware update, or in a flag rollout the flag's value. */
export type UpdateDevicesInput = UpdateAttemptInput & ({ firmware: FirmwareRef; flag?: undefined } | { flag: FlagSetting; firmware?: undefined });

interface UpdateAttemptInput {
  rolloutId: string;
  devices: DeviceAttempt[];
  /** Longest wait between two status polls, in real milliseconds. */
  maxPollIntervalMs: number;
  /** An operation still going this long after the attempt began counts as timed out, in real milliseconds. */
  operationTimeoutMs: number;
  /**
   * When the devices' maintenance window closes: a try of this activity that runs later (Temporal's
   * retry after the fleet failed, or a worker that picked it up late) sends no command.
   */
  sendBeforeMs?: number;
  /** In a catch-up round the devices' earlier failed updates were seen when the round was selected. */
  catchUpRound?: number | undefined;
  /** The rollout's place in the fleet budget's queue; absent: `normal`. */
  priority?: Priority | undefined;
  /** The lease the batch waited for before this attempt (`awaitLease`); absent: the attempt asks for one of its own. */
  leaseId?: string;
  /** One fleet request's bound, inside the heartbeat timeout (see `updateTimeouts`); absent from rollouts started before it. */
  requestTimeoutMs?: number;
  /** The rollout's target load and ceiling for the service's adaptive limit; absent in rollouts started before it existed. */
  limit?: LimitTarget;
}

export function createUpdateActivities({ fleet, ledger, admission, budget, clock = () => Promise.resolve(Date.now()) }: ActivityDependencies) {
  /**
   * Reads a batch's devices from the ledger and checks their vitals against the preflight rules; the
   * ready ones come by the maintenance window the snapshot gave them.
   */
  async function preflightBatch({ rules, ...slice }: PreflightBatchInput): Promise<PreflightBatchResult> {
    const targets = await batchDevices(ledger, slice);
    const withdrawn = await ledger.withdrawn(slice.rolloutId, targets.map((target) => target.id));
    const windowOf = new Map(targets.map((target) => [target.id, target.window]));
    const candidates = targets.filter((target) => !withdrawn.has(target.id)).map((target) => target.id);
    const checked = rules ? await checkVitals(candidates, rules, slice.catchUpRound) : candidates.map((deviceId) => ({ deviceId, reason: undefined }));
    const ready: string[] = [];
    const readyInWindow = new Map<number, string[]>();
    const deferred: PreflightBatchResult['deferred'] = [];
    for (const { deviceId, reason } of checked) {
      const window = windowOf.get(deviceId);
      if (reason) deferred.push({ deviceId, reason });
      else if (window === undefined) ready.push(deviceId);
      else readyInWindow.set(window, [...(readyInWindow.get(window) ?? []), deviceId]);
    }
    return {
      ready,
      readyInWindow: [...readyInWindow].map(([window, deviceIds]) => ({ window, deviceIds })),
      deferred,
      withdrawn: targets.filter((target) => withdrawn.has(target.id)).map((target) => target.id),
      fleetBudget: budget !== undefined,
    };
  }

  /** The devices the fleet knows, each with why preflight defers it (undefined: ready). */
  async function checkVitals(deviceIds: string[], rules: PreflightRules, catchUpRound: number | undefined): Promise<{ deviceId: string; reason: string | undefined }[]> {
    return (await fleet.vitals(deviceIds)).map((vitals) => {
      const found = preflightDeferral(vitals, rules);
      return { deviceId: vitals.deviceId, reason: updatesResumably(found, rules, catchUpRound) ? undefined : found };
    });
  }

  /**
   * One update attempt for a group of devices, one bulk fleet call per step: resumes each device's
   * operation when it is in flight or done, starts the next generation when its latest one failed
   * and the workflow has seen that failure, then polls until every operation ended or the operation
   * timeout passed. Safe to run again after a worker died: a retry sends no command a try before it
   * sent, and reports a failure the workflow has not seen yet instead of starting over.
   */
  async function updateDevices(input: UpdateDevicesInput): Promise<DeviceAttemptResult[]> {
    return whileLeased({ budget }, leaseOf(input), () => updateWithinLease(input));
  }

  async function updateWithinLease(input: UpdateDevicesInput): Promise<DeviceAttemptResult[]> {
    const { rolloutId, devices, maxPollIntervalMs, operationTimeoutMs, sendBeforeMs, catchUpRound, requestTimeoutMs } = input;
    const startedAt = Date.now();
    const deviceIds = devices.map((device) => device.deviceId);
    const call = requestTimeoutMs === undefined ? {} : { requestTimeoutMs };
    const kind = operationKindOf(input);
    const latestByDevice = (): Promise<Map<string, Operation>> => whileHeartbeating(() => operationsByDevice({ correlationId: rolloutId, deviceIds, kind }, call));
    const latest = await latestByDevice();
    const seenBefore = await failuresSeenBefore(rolloutId, catchUpRound);
    const withdrawn = await ledger.withdrawn(rolloutId, deviceIds);
    const wanted = devices.flatMap(({ deviceId, failedGeneration }) => {
      const operation = latest.get(deviceId);
      if (withdrawn.has(deviceId) || (operation && !retriesFailure(operation, Math.max(failedGeneration, seenBefore.get(deviceId) ?? 0)))) return [];
      const generation = operation ? generationOf(operation.idempotencyKey) + 1 : 1;
      return [{ deviceId, idempotencyKey: updateIdempotencyKey(rolloutId, deviceId, generation), correlationId: rolloutId }];
    });
    const unsent = wanted.length > 0 && sendBeforeMs !== undefined && (await clock()) >= sendBeforeMs ? wanted : [];
    const sending = await admitted(input, unsent.length === 0 ? wanted : [], call);
    let final: Map<string, Operation>;
    try {
      await sending.step(latest);
      final = await pollUntil(
        // Commands sent on this read have operations the read did not see: the attempt is not over.
        async () => {
          const operations = await latestByDevice();
          return (await sending.step(operations)) ? latestByDevice() : operations;
        },
        (operations) =>
          (sending.waiting.length === 0 && [...operations.values()].every((operation) => isTerminal(operation.state))) || Date.now() - startedAt >= operationTimeoutMs,
        maxPollIntervalMs,
      );
    } finally {
      sending.close();
    }
    const failedBefore = new Map(devices.map(({ deviceId, failedGeneration }) => [deviceId, failedGeneration]));
    const closedOn = new Set(unsent.map((command) => command.deviceId));
    const notAdmitted = new Set(sending.waiting);
    return deviceIds.map((deviceId) => {
      const operation = final.get(deviceId);
      const generation = failedBefore.get(deviceId) ?? 0;
      // A cohort rollback withdrew it; one that did get the new image, the rollback returns.
      if (withdrawn.has(deviceId) && operation?.state !== 'succeeded') return { deviceId, end: 'withdrawn', generation };
      if (closedOn.has(deviceId)) return { deviceId, end: 'window_closed', generation, reason: `the maintenance window closed before ${deviceId} was sent its command` };
      if (notAdmitted.has(deviceId)) return { deviceId, end: 'timed_out', generation, reason: `the service stayed at its concurrency limit until the operation timeout: ${deviceId} was never sent its command` };
      return attemptResult(deviceId, operation);
    });
  }

  /** The attempt's commands, of its kind (the flag's value, or the firmware), sent as the service's adaptive limit admits them. */
  async function admitted(input: UpdateDevicesInput, keyed: KeyedCommand[], call: FleetCall): Promise<AdmittedCommands<FlagCommand> | AdmittedCommands<UpdateCommand>> {
    const limit = admission && input.limit ? { admission, target: input.limit } : undefined;
    if (input.flag) {
      const { name, value } = input.flag;
      return new AdmittedCommands(
        keyed.map((command) => ({ ...command, flag: name, value })),
        (batch) => whileHeartbeating(() => fleet.setFlags(batch, call)),
        limit,
      );
    }
    const { firmware } = input;
    return new AdmittedCommands(
      await resumableOnUnstableLinks(keyed.map((command) => ({ ...command, firmware })), input.catchUpRound),
      (batch) => whileHeartbeating(() => fleet.startUpdates(batch, call)),
      limit,
    );
  }

  /**
   * Only a catch-up round lets a device on an unstable link through preflight (`updatesResumably`):
   * a device whose link is unstable when its command goes out downloads resumably.
   */
  async function resumableOnUnstableLinks(commands: UpdateCommand[], catchUpRound: number | undefined): Promise<UpdateCommand[]> {
    if (catchUpRound === undefined || commands.length === 0) return commands;
    const unstable = new Set((await fleet.vitals(commands.map((command) => command.deviceId))).filter((vitals) => vitals.online && !vitals.connectivityStable).map((vitals) => vitals.deviceId));
    return commands.map((command) => (unstable.has(command.deviceId) ? { ...command, resumableDownload: true } : command));
  }

  async function failuresSeenBefore(rolloutId: string, catchUpRound: number | undefined): Promise<Map<string, number>> {
    if (catchUpRound === undefined) return new Map();
    const devices = await ledger.catchUpRoundDevices(rolloutId, catchUpRound, 0, Number.MAX_SAFE_INTEGER);
    return new Map(devices.map((device) => [device.id, device.failedGeneration]));
  }

  async function operationsByDevice(query: OperationsQuery, call: FleetCall): Promise<Map<string, Operation>> {
    const operations = await fleet.latestOperations(query, call);
    return new Map(operations.map((operation) => [operation.deviceId, operation]));
  }

  async function recordOutcomes({ rolloutId, outcomes }: { rolloutId: string; outcomes: DeviceOutcome[] }): Promise<void> {
    await ledger.recordOutcomes(rolloutId, outcomes);
  }

  return { preflightBatch, updateDevices, recordOutcomes };
}

/** A command's key, before what it carries: firmware, or a flag's value. */
type KeyedCommand = Pick<UpdateCommand, 'deviceId' | 'idempotencyKey' | 'correlationId'>;

/** Whether `operation` is a failure the workflow has seen, so the device's next attempt sends a new command. */
function retriesFailure(operation: Operation, failedGeneration: number): boolean {
  return isTerminal(operation.state) && operation.state !== 'succeeded' && generationOf(operation.idempotencyKey) <= failedGeneration;
}

function attemptResult(deviceId: string, operation: Operation | undefined): DeviceAttemptResult {
  if (!operation) return { deviceId, end: 'rejected', generation: 0, reason: `${FailureType.UnknownDevice}: the fleet created no operation for ${deviceId}` };
  const generation = generationOf(operation.idempotencyKey);
  if (operation.state === 'succeeded') return { deviceId, end: 'succeeded', generation, operationId: operation.operationId };
  if (!isTerminal(operation.state)) return { deviceId, end: 'timed_out', generation, reason: `update of ${deviceId} still ${operation.state} at the operation timeout` };
  const type = failureTypeOf(operation);
  const end = type === FailureType.DeviceUpdateFailed ? 'failed' : 'unrecoverable';
  return { deviceId, end, generation, reason: `${type}: update of ${deviceId} ended ${operation.state}${operation.errorCode ? ` (${operation.errorCode})` : ''}` };
}

function failureTypeOf(operation: Operation): FailureType {
  if (operation.state === 'rolled_back') return FailureType.DeviceRolledBack;
  if (operation.errorCode && INTERVENTION_ERROR_CODES.includes(operation.errorCode)) return FailureType.DeviceNeedsIntervention;
  return FailureType.DeviceUpdateFailed;
}

/**
 * With a fleet budget, an attempt leases one operation per device of its group, as many as it can
 * have in flight (commands it sends, or operations a try before it left going): the lease the batch
 * waited for (`leaseId`), or one of the activity's own.
 */
function leaseOf({ rolloutId, devices, priority = 'normal', leaseId }: UpdateDevicesInput): LeaseRequest {
  return { requestId: leaseId ?? activityLeaseId(rolloutId), rolloutId, priority, operations: devices.length };
}
