import { sql, type SQL } from 'drizzle-orm';
import { bigint, boolean, doublePrecision, index, integer, pgTable, primaryKey, text, unique, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { DeviceOutcomeState } from '../../engine/model/status';

/** One row per rollout whose targets were snapshotted: the row a second snapshot finds and yields to. */
export const rollouts = pgTable('rollouts', {
  rolloutId: text('rollout_id').primaryKey(),
});

export const stages = pgTable(
  'stages',
  {
    rolloutId: text('rollout_id').notNull(),
    stageIndex: integer('stage_index').notNull(),
    name: text('name').notNull(),
  },
  (table) => [primaryKey({ columns: [table.rolloutId, table.stageIndex] })],
);

/**
 * A stage's devices in batch order: a batch reads positions [offset, offset + size) of its stage.
 * `sampleFraction` is a stable hash of the device id in [0, 1): a health poll reads the devices under
 * limit ÷ size, the same ones at every poll and on every worker, so its cost does not grow with the fleet.
 */
export const targets = pgTable(
  'targets',
  {
    rolloutId: text('rollout_id').notNull(),
    stageIndex: integer('stage_index').notNull(),
    position: integer('position').notNull(),
    deviceId: text('device_id').notNull(),
    fromVersion: text('from_version').notNull(),
    /** A flag rollout's target: the flag's value before it, where a rollback returns it. */
    fromFlag: boolean('from_flag'),
    window: integer('window'),
    cohort: text('cohort'),
    sampleFraction: doublePrecision('sample_fraction')
      .notNull()
      .generatedAlwaysAs(sql`(('x' || substr(md5(device_id), 1, 8))::bit(32)::bigint)::double precision / 4294967296`),
  },
  (table) => [
    primaryKey({ columns: [table.rolloutId, table.stageIndex, table.position] }),
    unique().on(table.rolloutId, table.deviceId),
    index('targets_sample').on(table.rolloutId, table.sampleFraction),
    index('targets_stage_sample').on(table.rolloutId, table.stageIndex, table.sampleFraction),
  ],
);

/** How many targets each stage holds of each cohort, counted once at the snapshot: what a poll divides by. */
export const targetCounts = pgTable(
  'target_counts',
  {
    rolloutId: text('rollout_id').notNull(),
    stageIndex: integer('stage_index').notNull(),
    cohort: text('cohort'),
    devices: integer('devices').notNull(),
  },
  (table) => [unique().on(table.rolloutId, table.stageIndex, table.cohort).nullsNotDistinct()],
);

export const catchUpRounds = pgTable(
  'catch_up_rounds',
  {
    rolloutId: text('rollout_id').notNull(),
    round: integer('round').notNull(),
  },
  (table) => [primaryKey({ columns: [table.rolloutId, table.round] })],
);

export const catchUpDevices = pgTable(
  'catch_up_devices',
  {
    rolloutId: text('rollout_id').notNull(),
    round: integer('round').notNull(),
    position: integer('position').notNull(),
    deviceId: text('device_id').notNull(),
    fromVersion: text('from_version').notNull(),
    /** A flag rollout's target: the flag's value before it, where a rollback returns it. */
    fromFlag: boolean('from_flag'),
    window: integer('window'),
    cohort: text('cohort'),
    failedGeneration: integer('failed_generation').notNull(),
  },
  (table) => [primaryKey({ columns: [table.rolloutId, table.round, table.position] })],
);

/** The latest outcome per device; `seq` keeps the order devices first got one. */
export const outcomes = pgTable(
  'outcomes',
  {
    rolloutId: text('rollout_id').notNull(),
    deviceId: text('device_id').notNull(),
    seq: bigint('seq', { mode: 'number' }).generatedAlwaysAsIdentity(),
    stage: text('stage').notNull(),
    state: text('state').$type<DeviceOutcomeState>().notNull(),
    attempts: integer('attempts').notNull(),
    reason: text('reason'),
    operationId: text('operation_id'),
    errorCode: text('error_code'),
    currentVersion: text('current_version'),
  },
  (table) => [primaryKey({ columns: [table.rolloutId, table.deviceId] })],
);

export const withdrawals = pgTable(
  'withdrawals',
  {
    rolloutId: text('rollout_id').notNull(),
    deviceId: text('device_id').notNull(),
  },
  (table) => [primaryKey({ columns: [table.rolloutId, table.deviceId] })],
);

export const readings = pgTable(
  'readings',
  {
    rolloutId: text('rollout_id').notNull(),
    deviceId: text('device_id').notNull(),
    firmwareVersion: text('firmware_version').notNull(),
    crashCount: integer('crash_count').notNull(),
    firmwareUptimeSeconds: doublePrecision('firmware_uptime_seconds').notNull(),
  },
  (table) => [primaryKey({ columns: [table.rolloutId, table.deviceId] })],
);

/** One record per firmware and cohort (none: every device); a second quarantine of the same keeps the first. */
export const quarantinedFirmware = pgTable(
  'quarantined_firmware',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    version: text('version').notNull(),
    reason: text('reason').notNull(),
    at: text('at').notNull(),
    cohortAttribute: text('cohort_attribute'),
    cohortValue: text('cohort_value'),
  },
  (table) => [unique().on(table.version, table.cohortAttribute, table.cohortValue).nullsNotDistinct()],
);

/** One rollout per device at a time: the rollout that holds each device, from its target snapshot until it ends. */
export const deviceClaims = pgTable(
  'device_claims',
  {
    deviceId: text('device_id').primaryKey(),
    rolloutId: text('rollout_id').notNull(),
  },
  (table) => [index('device_claims_by_rollout').on(table.rolloutId)],
);

/** The ledger's database on either engine: PGlite or node-postgres, one dialect. */
export type LedgerDatabase = PgDatabase<PgQueryResultHKT>;

/** Both drivers answer `execute` with `{ rows }`; drizzle types that per driver, so the shared code says it once here. */
export async function rowsOf<T>(db: LedgerDatabase, query: SQL): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}
