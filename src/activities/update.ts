import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { deviceMilestoneSignal } from '../contracts/engineMessages';
import { reached } from '../domain/pipelining';
import { FailureType, INTERVENTION_ERROR_CODES } from '../contracts/failures';
import { generationOf, updateIdempotencyKey } from '../contracts/ids';
import type { PreflightRules } from '../domain/preflight';
import { preflightDeferral } from '../domain/preflight';
import type { FirmwareRef, Operation, OperationState } from '../fleet/provider';
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
  /** Once the operation gets this far, the batch is told (it pipelines the next batch on it). */
  milestone: OperationState;
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
  async function updateDevice({ rolloutId, deviceId, firmware, maxPollIntervalMs, milestone }: UpdateDeviceInput): Promise<UpdateDeviceResult> {
    const operation = await resumeOrStart(rolloutId, deviceId, firmware);
    const announceMilestone = once(() => signalBatch(deviceId));
    const final = await pollUntil(
      async () => {
        const current = (await fleet.latestOperations({ correlationId: rolloutId, deviceIds: [deviceId] }))[0] ?? operation;
        if (current.state !== 'failed' && current.state !== 'rolled_back' && reached(current.state, milestone)) await announceMilestone();
        return current;
      },
      (current) => isTerminal(current.state),
      maxPollIntervalMs,
    );
    const generation = generationOf(final.idempotencyKey);
    if (final.state === 'succeeded') return { operationId: final.operationId, generation, attempts: Context.current().info.attempt };
    throw ApplicationFailure.retryable(
      `update of ${deviceId} ended ${final.state}${final.errorCode ? ` (${final.errorCode})` : ''}`,
      failureTypeOf(final),
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

  /** Best effort: a lost milestone only delays pipelining until the device's update ends. */
  async function signalBatch(deviceId: string): Promise<void> {
    const batch = Context.current().info.workflowExecution;
    if (!batch) return;
    await Context.current()
      .client.workflow.getHandle(batch.workflowId, batch.runId)
      .signal(deviceMilestoneSignal, { deviceId })
      .catch((error: unknown) => log.warn('milestone signal not delivered', { deviceId, error: String(error) }));
  }

  async function recordOutcomes({ rolloutId, outcomes }: { rolloutId: string; outcomes: DeviceOutcome[] }): Promise<void> {
    await ledger.recordOutcomes(rolloutId, outcomes);
  }

  return { preflightBatch, updateDevice, recordOutcomes };
}

function once(action: () => Promise<void>): () => Promise<void> {
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    await action();
  };
}

function failureTypeOf(operation: Operation): FailureType {
  if (operation.state === 'rolled_back') return FailureType.DeviceRolledBack;
  if (operation.errorCode && INTERVENTION_ERROR_CODES.includes(operation.errorCode)) return FailureType.DeviceNeedsIntervention;
  return FailureType.DeviceUpdateFailed;
}
