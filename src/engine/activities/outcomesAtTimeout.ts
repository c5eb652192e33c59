import { generationOf } from '../model/ids';
import type { DeviceOutcome } from '../model/status';
import type { ActivityDependencies } from './dependencies';

export interface OutcomesAtTimeoutInput {
  rolloutId: string;
  stage: string;
  /** The batch's devices whose update it has not heard end. */
  deviceIds: string[];
}

export function createOutcomesAtTimeoutActivities({ fleet, ledger }: ActivityDependencies) {
  /**
   * At a batch's timeout, the fleet's current answer for the devices the batch has not heard end
   * (their attempt's activity may not have reported yet, e.g. while no worker ran): those whose update
   * succeeded are recorded as succeeded and returned, so the gate counts them. One bulk read and one
   * upsert of each device's single outcome row: running it again records the same.
   */
  async function outcomesAtTimeout({ rolloutId, stage, deviceIds }: OutcomesAtTimeoutInput): Promise<DeviceOutcome[]> {
    if (deviceIds.length === 0) return [];
    const operations = await fleet.latestOperations({ correlationId: rolloutId, deviceIds });
    const succeeded = operations
      .filter((operation) => operation.state === 'succeeded')
      // The attempt that ends later records its own count over this; the generation is how many commands the device was sent.
      .map(({ deviceId, operationId, idempotencyKey }): DeviceOutcome => ({ deviceId, stage, state: 'succeeded', attempts: generationOf(idempotencyKey), operationId }));
    await ledger.recordOutcomes(rolloutId, succeeded);
    return succeeded;
  }

  return { outcomesAtTimeout };
}
