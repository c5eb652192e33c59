import { isTerminal, type Operation, type OperationKind, type OperationState } from '../../src/engine/ports/fleetProvider';
import type { TransferState } from './transfer';

/** An operation as the simulator tracks it; `toOperation` is what the service reports. */
export interface SimOperation {
  operationId: string;
  deviceId: string;
  kind: OperationKind;
  idempotencyKey: string;
  correlationId: string;
  targetVersion: string;
  state: OperationState;
  errorCode?: string;
  createdAtMs: number;
  dispatchedAtMs?: number;
  /** When the current timed phase (verify, install, reboot, confirmation) ends. */
  phaseEndsAtMs?: number;
  sizeBytes: number;
  bytesDone: number;
  /** Set when the image travels over real HTTP rather than the simulated uplink. */
  transfer?: TransferState;
  /** The flag a `flag` operation sets, and its value. */
  flag?: { name: string; value: boolean };
  /** Chunked: a dropped connection pauses the download at its last whole chunk instead of wedging the agent. */
  resumableDownload?: boolean;
}

export interface CommandLogEntry {
  kind: OperationKind;
  deviceId: string;
  idempotencyKey: string;
  duplicate: boolean;
  atMs: number;
  resumableDownload?: boolean;
  /**
   * For a command that created an operation: the state the device's previous operation of this kind
   * and correlation id was in at that moment. Anything but failed or rolled back means the device
   * was commanded again while its last command was still running or had succeeded.
   */
  previousState?: OperationState;
}

export type NewOperation = Pick<SimOperation, 'deviceId' | 'kind' | 'idempotencyKey' | 'correlationId' | 'targetVersion' | 'sizeBytes' | 'resumableDownload' | 'flag'>;

/** Operations by idempotency key and by (kind, correlation id, device), with the ones still in flight. */
export class OperationStore {
  readonly commandLog: CommandLogEntry[] = [];
  /** Firmware operations not yet terminal, oldest first: what loads the service. */
  readonly inFlight = new Set<SimOperation>();
  /**
   * Flag operations not yet applied: desired configuration the service keeps until the device
   * connects, a row in its store rather than an agent's operation, so they do not load its CPU.
   */
  readonly pendingFlags = new Set<SimOperation>();
  private readonly all: SimOperation[] = [];
  private readonly byKey = new Map<string, SimOperation>();
  private readonly latest = new Map<string, SimOperation>();

  /** The existing operation for a repeated key (logged as a duplicate), or a new queued one. */
  command(command: NewOperation, atMs: number): { operation: SimOperation; duplicate: boolean } {
    const existing = this.byKey.get(command.idempotencyKey);
    const previous = existing ? undefined : this.latest.get(latestKey(command.kind, command.correlationId, command.deviceId));
    this.commandLog.push({
      kind: command.kind,
      deviceId: command.deviceId,
      idempotencyKey: command.idempotencyKey,
      duplicate: !!existing,
      atMs,
      ...(command.resumableDownload ? { resumableDownload: true } : {}),
      ...(previous ? { previousState: previous.state } : {}),
    });
    if (existing) return { operation: existing, duplicate: true };
    const operation: SimOperation = { ...command, operationId: `op-${this.all.length + 1}`, state: 'queued', createdAtMs: atMs, bytesDone: 0 };
    this.all.push(operation);
    this.byKey.set(operation.idempotencyKey, operation);
    this.latest.set(latestKey(operation.kind, operation.correlationId, operation.deviceId), operation);
    (operation.kind === 'flag' ? this.pendingFlags : this.inFlight).add(operation);
    return { operation, duplicate: false };
  }

  latestFor(kind: OperationKind, correlationId: string, deviceId: string): SimOperation | undefined {
    return this.latest.get(latestKey(kind, correlationId, deviceId));
  }

  /** Moves an operation to a new state, and out of the in-flight set when that state is terminal. */
  transition(operation: SimOperation, state: OperationState, errorCode?: string): void {
    operation.state = state;
    if (errorCode) operation.errorCode = errorCode;
    if (!isTerminal(state)) return;
    this.inFlight.delete(operation);
    this.pendingFlags.delete(operation);
  }

  countByState(): Record<OperationState, number> {
    const counts: Record<OperationState, number> = {
      queued: 0,
      downloading: 0,
      downloaded: 0,
      installing: 0,
      rebooting: 0,
      succeeded: 0,
      failed: 0,
      rolled_back: 0,
    };
    for (const operation of this.all) counts[operation.state] += 1;
    return counts;
  }

  /** Commands that created an operation (duplicates excluded), per device. */
  acceptedCommands(kind: OperationKind): Map<string, number> {
    const counts = new Map<string, number>();
    for (const entry of this.commandLog) {
      if (entry.kind === kind && !entry.duplicate) counts.set(entry.deviceId, (counts.get(entry.deviceId) ?? 0) + 1);
    }
    return counts;
  }
}

export function toOperation(operation: SimOperation, duplicate = false): Operation {
  const { operationId, deviceId, kind, idempotencyKey, correlationId, state, errorCode, targetVersion } = operation;
  return { operationId, deviceId, kind, idempotencyKey, correlationId, state, duplicate, targetVersion, ...(errorCode ? { errorCode } : {}) };
}

const latestKey = (kind: OperationKind, correlationId: string, deviceId: string): string => `${kind}\u0000${correlationId}\u0000${deviceId}`;
