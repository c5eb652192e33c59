/** The one place workflow ids and idempotency keys are spelled. */
export const TASK_QUEUE = 'fleet-rollout';

export const rolloutWorkflowId = (rolloutId: string): string => `rollout:${rolloutId}`;
export const stageWorkflowId = (rolloutId: string, stageName: string): string => `rollout:${rolloutId}/stage:${stageName}`;
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
