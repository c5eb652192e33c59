/**
 * The rollout's own Prometheus metrics. They share the worker's metrics endpoint with the SDK's
 * (`temporal_*`); the SDK adds `namespace`, `taskQueue` and, from workflows, `workflowType`.
 */
export const RolloutMetric = {
  /** Gauge: a rollout's devices by state (`rollout_id`, `state`: pending, succeeded, failed, deferred, rolled_back). */
  devices: 'fleet_rollout_devices',
  /** Gauge: success ratio (0–1) of the batch a stage reported last (`rollout_id`, `stage`). */
  batchSuccessRatio: 'fleet_rollout_batch_success_ratio',
  /** Gauge: firmware updates this worker is driving right now (running `updateDevice` activities; `activityType`). */
  operationsInFlight: 'fleet_rollout_operations_in_flight',
  /** Gauge: 1 for the state a rollout is in, 0 for the others (`rollout_id`, `state`: running, paused, awaiting_approval, rolled_back, …). */
  state: 'fleet_rollout_state',
  /** Counter: firmware quarantined by a health finding (`rollout_id`, `cohort`: `attribute=value`, or `all`). */
  quarantines: 'fleet_rollout_quarantines_total',
  /** Counter: decisions taken (`rollout_id`, `source`: gate or operator, `action`). */
  decisions: 'fleet_rollout_decisions_total',
} as const;
