import type { ActivityOptions } from '@temporalio/workflow';
import { ARTIFACT_REJECTIONS } from '../model/failures';

/**
 * The option sets of the engine's activities, apart from device updates (whose retries follow the
 * plan, see deviceUpdates.ts). These activities talk to the ledger and the fleet: they retry soon
 * and without limit, so an outage of either holds the rollout instead of failing it.
 */
const retry = { initialInterval: '1 second', maximumInterval: '1 minute' } as const;

/** Work over a whole rollout, stage or cohort (snapshot, rollbacks, tallies): pages through the ledger and heartbeats. */
export const FLEET_WIDE = { startToCloseTimeout: '30 minutes', heartbeatTimeout: '2 minutes', retry } as const satisfies ActivityOptions;

/** The rollout workflow's own steps: as FLEET_WIDE, but an image found unfit is never tried again. */
export const ROLLOUT_STEPS = { ...FLEET_WIDE, retry: { ...retry, nonRetryableErrorTypes: ARTIFACT_REJECTIONS } } as const satisfies ActivityOptions;

/** Rolling back the devices of one stage's batches, or reading the crash counters of the rollout's observed devices: heartbeats per page of devices. */
export const BATCH_ROLLBACK = { startToCloseTimeout: '10 minutes', heartbeatTimeout: '1 minute', retry } as const satisfies ActivityOptions;

/**
 * One health poll of a stage's devices. It heartbeats while it runs: a poll whose worker died is
 * tried again after the heartbeat timeout, where the 10 minutes alone held the stage that long.
 */
export const HEALTH_CHECK = { startToCloseTimeout: '10 minutes', heartbeatTimeout: '15 seconds', retry } as const satisfies ActivityOptions;

/** A batch's short ledger and fleet reads and writes (preflight, outcomes, milestones). */
export const BATCH_BOOKKEEPING = { startToCloseTimeout: '1 minute', retry } as const satisfies ActivityOptions;

/**
 * A group's wait for its fleet-budget lease: as long as other rollouts hold the budget. It heartbeats
 * while it waits, so a wait whose worker died is asked again (keeping its place) within seconds.
 */
export const BUDGET_WAIT = { startToCloseTimeout: '1 day', heartbeatTimeout: '30 seconds', retry } as const satisfies ActivityOptions;
