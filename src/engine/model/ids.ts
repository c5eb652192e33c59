/** The one place workflow ids and idempotency keys are spelled. */
export const TASK_QUEUE = 'fleet-rollout';

export const rolloutWorkflowId = (rolloutId: string): string => `rollout:${rolloutId}`;
/** A stage taken in two parts (after a pause resolved by its deadline) runs its second part as `part 2`. */
export const stageWorkflowId = (rolloutId: string, stageName: string, part = 1): string =>
  `rollout:${rolloutId}/stage:${stageName}${part > 1 ? `/part:${part}` : ''}`;
/** Catch-up rounds run their batches under the round's id. */
export const batchWorkflowId = (rolloutId: string, stageName: string, batchIndex: number, catchUpRound?: number): string =>
  `rollout:${rolloutId}/stage:${stageName}${catchUpRound === undefined ? '' : `/round:${catchUpRound}`}/batch:${batchIndex + 1}`;
export const healthWatchWorkflowId = (rolloutId: string): string => `rollout:${rolloutId}/health-watch`;
export const catchUpWorkflowId = (rolloutId: string): string => `rollout:${rolloutId}/catch-up`;
/** The workflow delivering one rollout event, named by the event's id. */
export const alertWorkflowId = (eventId: string): string => `alert:${eventId}`;
export const catchUpRoundWorkflowId = (rolloutId: string, round: number): string => `rollout:${rolloutId}/stage:catch-up/round:${round}`;
/** One kill switch per flag at a time: pulling it again while it runs joins the one running. */
export const killSwitchWorkflowId = (flag: string): string => `kill-switch:${flag}`;
/** The one budget workflow of a fleet. */
export const fleetBudgetWorkflowId = (fleet: string): string => `fleet-budget:${fleet}`;
/** One operator request to move the devices `from` holds; `requestId` tells two requests apart. */
export const handOverWorkflowId = (from: string, requestId: string): string => `hand-over:${from}/${requestId}`;

/** `rolloutId/deviceId/generation`; the generation advances only after an operation ended in failure. */
export const updateIdempotencyKey = (rolloutId: string, deviceId: string, generation: number): string =>
  `${rolloutId}/${deviceId}/${generation}`;

export function generationOf(idempotencyKey: string): number {
  const generation = Number(idempotencyKey.slice(idempotencyKey.lastIndexOf('/') + 1));
  if (!Number.isInteger(generation) || generation < 1) throw new Error(`not an update idempotency key: ${idempotencyKey}`);
  return generation;
}
