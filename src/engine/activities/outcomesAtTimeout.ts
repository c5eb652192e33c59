import { generationOf } from '../model/ids';
import type { DeviceOutcome } from '../model/status';
import type { Operation, OperationKind } from '../ports/fleetProvider';
import type { ActivityDependencies } from './dependencies';

export interface OutcomesAtTimeoutInput {
  rolloutId: string;
  stage: string;
  /** The batch's devices whose update it has not heard end. */
  deviceIds: string[];
  /** A flag rollout's `flag`; absent: `update`. */
  operationKind?: OperationKind;
}

/** What the fleet says of a batch's unheard devices at its timeout. */
export interface BatchAtTimeout {
  /** Devices whose update succeeded, now recorded as such. */
  succeeded: DeviceOutcome[];
  /** Devices the rollout has not sent an update yet (the fleet has no operation of it for them). */
  notSent: number;
}

export function createOutcomesAtTimeoutActivities({ fleet, ledger }: ActivityDependencies) {
  /**
   * At a batch's timeout, the fleet's current answer for the devices the batch has not heard end
   * (their attempt's activity may not have reported yet, e.g. while no worker ran): those whose update
   * succeeded are recorded as succeeded and returned, so the gate counts them, with how many were not
   * sent an update at all. One bulk read and one upsert of each device's single outcome row: running
   * it again records the same.
   */
  async function batchAtTimeout({ rolloutId, stage, deviceIds, operationKind }: OutcomesAtTimeoutInput): Promise<BatchAtTimeout> {
    if (deviceIds.length === 0) return { succeeded: [], notSent: 0 };
    const operations = await fleet.latestOperations({ correlationId: rolloutId, deviceIds, kind: operationKind });
    const succeeded = operations.filter((operation) => operation.state === 'succeeded').map((operation) => succeededOutcome(operation, stage));
    await ledger.recordOutcomes(rolloutId, succeeded);
    return { succeeded, notSent: deviceIds.length - operations.length };
  }

  /** `batchAtTimeout` without the count, for batches started before it. */
  async function outcomesAtTimeout(input: OutcomesAtTimeoutInput): Promise<DeviceOutcome[]> {
    return (await batchAtTimeout(input)).succeeded;
  }

  return { batchAtTimeout, outcomesAtTimeout };
}

/** The attempt that ends later records its own count over this; the generation is how many commands the device was sent. */
const succeededOutcome = ({ deviceId, operationId, idempotencyKey }: Operation, stage: string): DeviceOutcome => ({
  deviceId,
  stage,
  state: 'succeeded',
  attempts: generationOf(idempotencyKey),
  operationId,
});
