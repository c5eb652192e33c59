import { reached } from '../model/pipelining';
import type { OperationKind, OperationState } from '../ports/fleetProvider';
import { batchDevices, type BatchSlice } from './batchDevices';
import type { ActivityDependencies } from './dependencies';

export interface MilestoneCountInput extends BatchSlice {
  /** The stage's pipelining state, e.g. `downloaded`. */
  milestone: OperationState;
  /** A flag rollout's `flag`; absent: `update`. */
  operationKind?: OperationKind;
}

export function createMilestoneActivities({ fleet, ledger }: ActivityDependencies) {
  /** How many of a batch's updates have got as far as the pipelining state (ended ones count): one bulk read. */
  async function countReachedMilestone({ milestone, operationKind, ...slice }: MilestoneCountInput): Promise<number> {
    const deviceIds = (await batchDevices(ledger, slice)).map((device) => device.id);
    const operations = await fleet.latestOperations({ correlationId: slice.rolloutId, deviceIds, kind: operationKind });
    return operations.filter((operation) => reached(operation.state, milestone)).length;
  }

  return { countReachedMilestone };
}
