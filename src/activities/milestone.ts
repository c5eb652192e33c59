import { reached } from '../domain/pipelining';
import type { OperationState } from '../fleet/provider';
import type { ActivityDependencies } from './index';

export interface MilestoneCountInput {
  rolloutId: string;
  stageIndex: number;
  offset: number;
  devices: number;
  /** The stage's pipelining state, e.g. `downloaded`. */
  milestone: OperationState;
}

export function createMilestoneActivities({ fleet, ledger }: ActivityDependencies) {
  /** How many of a batch's updates have got as far as the pipelining state (ended ones count): one bulk read. */
  async function countReachedMilestone({ rolloutId, stageIndex, offset, devices, milestone }: MilestoneCountInput): Promise<number> {
    const deviceIds = (await ledger.stageDevices(rolloutId, stageIndex, offset, devices)).map((device) => device.id);
    const operations = await fleet.latestOperations({ correlationId: rolloutId, deviceIds });
    return operations.filter((operation) => reached(operation.state, milestone)).length;
  }

  return { countReachedMilestone };
}
