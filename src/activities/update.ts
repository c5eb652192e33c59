import { ApplicationFailure, Context } from '@temporalio/activity';
import { FailureType } from '../contracts/failures';
import { generationOf, updateIdempotencyKey } from '../contracts/ids';
import type { PreflightRules } from '../domain/preflight';
import { preflightDeferral } from '../domain/preflight';
import type { FirmwareRef, Operation } from '../fleet/provider';
import { isTerminal } from '../fleet/provider';
import type { DeviceOutcome } from '../contracts/status';
import type { ActivityDependencies } from './index';
import { pollUntil } from './polling';

export interface PreflightBatchInput {
  rolloutId: string;
  stageIndex: number;
  offset: number;
  devices: number;
  rules: PreflightRules;
}

export interface PreflightBatchResult {
  ready: string[];
  deferred: { deviceId: string; reason: string }[];
}

export interface UpdateDeviceInput {
  rolloutId: string;
  deviceId: string;
  firmware: FirmwareRef;
  /** Longest wait between two status polls, in real milliseconds. */
  maxPollIntervalMs: number;
}

export interface UpdateDeviceResult {
  operationId: string;
  generation: number;
  /** Temporal's attempt number of this activity: retries included. */
  attempts: number;
}

export function createUpdateActivities({ fleet, ledger }: ActivityDependencies) {
  /** Reads a batch's devices from the ledger and checks their vitals against the preflight rules. */
  async function preflightBatch({ rolloutId, stageIndex, offset, devices, rules }: PreflightBatchInput): Promise<PreflightBatchResult> {
    const targets = await ledger.stageDevices(rolloutId, stageIndex, offset, devices);
    const vitals = await fleet.vitals(targets.map((target) => target.id));
    const result: PreflightBatchResult = { ready: [], deferred: [] };
    for (const deviceVitals of vitals) {
      const reason = preflightDeferral(deviceVitals, rules);
      if (reason) result.deferred.push({ deviceId: deviceVitals.deviceId, reason });
      else result.ready.push(deviceVitals.deviceId);
    }
    return result;
  }

  /**
   * Updates one device and waits until the operation ends. Safe to run again after a worker died:
   * it first asks the fleet for this rollout's operation on the device and resumes it when it is in
   * flight or done; only an operation that ended in failure makes it send a new command.
   */
  async function updateDevice({ rolloutId, deviceId, firmware, maxPollIntervalMs }: UpdateDeviceInput): Promise<UpdateDeviceResult> {
    const operation = await resumeOrStart(rolloutId, deviceId, firmware);
    const final = await pollUntil(
      async () => (await fleet.latestOperations({ correlationId: rolloutId, deviceIds: [deviceId] }))[0] ?? operation,
      (current) => isTerminal(current.state),
      maxPollIntervalMs,
    );
    const generation = generationOf(final.idempotencyKey);
    if (final.state === 'succeeded') return { operationId: final.operationId, generation, attempts: Context.current().info.attempt };
    throw ApplicationFailure.retryable(
      `update of ${deviceId} ended ${final.state}${final.errorCode ? ` (${final.errorCode})` : ''}`,
      final.state === 'rolled_back' ? FailureType.DeviceRolledBack : FailureType.DeviceUpdateFailed,
      { errorCode: final.errorCode ?? final.state, operationId: final.operationId },
    );
  }

  async function resumeOrStart(rolloutId: string, deviceId: string, firmware: FirmwareRef): Promise<Operation> {
    const [latest] = await fleet.latestOperations({ correlationId: rolloutId, deviceIds: [deviceId] });
    if (latest && (!isTerminal(latest.state) || latest.state === 'succeeded')) return latest;
    const generation = latest ? generationOf(latest.idempotencyKey) + 1 : 1;
    const idempotencyKey = updateIdempotencyKey(rolloutId, deviceId, generation);
    Context.current().heartbeat({ idempotencyKey });
    Context.current().cancellationSignal.throwIfAborted();
    const [started] = await fleet.startUpdates([{ deviceId, idempotencyKey, correlationId: rolloutId, firmware }]);
    if (!started) throw ApplicationFailure.nonRetryable(`fleet returned no operation for ${deviceId}`, FailureType.UnknownDevice);
    return started;
  }

  async function recordOutcomes({ rolloutId, outcomes }: { rolloutId: string; outcomes: DeviceOutcome[] }): Promise<void> {
    await ledger.recordOutcomes(rolloutId, outcomes);
  }

  return { preflightBatch, updateDevice, recordOutcomes };
}
