import { z } from 'zod';
import { CurrentStageKey, FirmwareVersionKey, RolloutStateKey } from '../engine/workflows/searchAttributes';
import { RolloutState } from '../engine/model/status';
import type * as workflows from '../engine/workflows';

/** The workflow type a rollout runs as; checked against the workflows the worker registers. */
export const ROLLOUT_WORKFLOW_TYPE = 'rolloutWorkflow' satisfies keyof typeof workflows;

/** Visibility values go into a query string: quotes and backslashes are refused rather than escaped. */
const QueryValue = z.string().min(1).regex(/^[^'"\\]+$/, 'must not contain quotes or backslashes');

/** Which rollouts `rollout list` shows; every field narrows the list. */
export const RolloutFilter = z.object({
  state: RolloutState.optional(),
  firmwareVersion: QueryValue.optional(),
  stage: QueryValue.optional(),
  taskQueue: QueryValue.optional(),
  /** Only workflows still running, whatever their RolloutState says. */
  running: z.boolean().optional(),
});
export type RolloutFilter = z.infer<typeof RolloutFilter>;

/** The visibility query for a filter, using the search attributes the rollout keeps current. */
export function rolloutListQuery(filter: RolloutFilter): string {
  const clauses = [
    `WorkflowType = '${ROLLOUT_WORKFLOW_TYPE}'`,
    filter.state && `${RolloutStateKey.name} = '${filter.state}'`,
    filter.firmwareVersion && `${FirmwareVersionKey.name} = '${filter.firmwareVersion}'`,
    filter.stage && `${CurrentStageKey.name} = '${filter.stage}'`,
    filter.taskQueue && `TaskQueue = '${filter.taskQueue}'`,
    filter.running && `ExecutionStatus = 'Running'`,
  ];
  return clauses.filter((clause): clause is string => !!clause).join(' AND ');
}
