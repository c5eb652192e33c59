/** The one place workflow ids and idempotency keys are spelled. */
export const TASK_QUEUE = 'fleet-rollout';

export const rolloutWorkflowId = (rolloutId: string): string => `rollout:${rolloutId}`;
/** A stage taken in two parts (after a pause resolved by its deadline) runs its second part as `part 2`. */
export const stageWorkflowId = (rolloutId: string, stageName: string, part = 1): string =>
  `rollout:${rolloutId}/stage:${stageName}${part > 1 ? `/part:${part}` : ''}`;
export const batchWorkflowId = (rolloutId: string, stageName: string, batchIndex: number): string =>
  `rollout:${rolloutId}/stage:${stageName}/batch:${batchIndex + 1}`;

/** `rolloutId/deviceId/generation`; the generation advances only after an operation ended in failure. */
export const updateIdempotencyKey = (rolloutId: string, deviceId: string, generation: number): string =>
  `${rolloutId}/${deviceId}/${generation}`;

export function generationOf(idempotencyKey: string): number {
  const generation = Number(idempotencyKey.slice(idempotencyKey.lastIndexOf('/') + 1));
  if (!Number.isInteger(generation) || generation < 1) throw new Error(`not an update idempotency key: ${idempotencyKey}`);
  return generation;
}
