import { and, asc, count, eq, gte, inArray, lt, sql, sum, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import { chunks } from '../../engine/model/chunks';
import type { DeviceOutcome, DeviceOutcomeState } from '../../engine/model/status';
import type { FirmwareQuarantine } from '../../engine/model/policy/quarantine';
import type { CatchUpDevice, CohortSize, HealthReading, Ledger, StageOutcomeCount, StageTargets, TargetDevice, TargetOutcome } from '../../engine/ports/ledger';
import type { HandOverResult } from '../../engine/model/deviceClaims';
import { claimHolders, handOver, releaseClaims, takeClaims } from './deviceClaims';
import { openDatabase, type LedgerLocation, type OpenDatabase } from './ledgerDatabase';
import { rowsOf, type LedgerDatabase } from './schema';
import * as table from './schema';

/** 8 columns at most per row: 40,000 parameters per statement, under Postgres's 65,535. */
const ROWS_PER_STATEMENT = 5_000;

export async function openLedger(location: LedgerLocation): Promise<SqlLedger> {
  return new SqlLedger(await openDatabase(location));
}

/**
 * The ledger in Postgres (PGlite embedded, or a PostgreSQL server every worker shares). Every write
 * is one transaction and idempotent, since activities retry: snapshots keep the first, outcomes and
 * readings are upserts, withdrawals and quarantines insert what is not there yet. A snapshot claims
 * its devices in its own transaction (see deviceClaims.ts).
 */
export class SqlLedger implements Ledger {
  private readonly db: LedgerDatabase;
  private closed?: Promise<void>;

  constructor(private readonly database: OpenDatabase) {
    this.db = database.db;
  }

  /** Once: both engines refuse a second close. */
  close(): Promise<void> {
    return (this.closed ??= this.database.close());
  }

  async saveTargets(rolloutId: string, stages: StageTargets[]): Promise<StageTargets[]> {
    const first = await this.db.transaction(async (tx) => {
      if (!(await claim(tx, table.rollouts, { rolloutId }))) return false;
      await insertAll(tx, table.stages, stages.map(({ stage }, stageIndex) => ({ rolloutId, stageIndex, name: stage })));
      // Rows are built one statement at a time: a million-device snapshot never holds a second copy of itself.
      for (const [stageIndex, { devices }] of stages.entries()) {
        for (const [chunkIndex, chunk] of chunks(devices, ROWS_PER_STATEMENT).entries()) {
          const first = chunkIndex * ROWS_PER_STATEMENT;
          await insertAll(tx, table.targets, chunk.map((device, index) => ({ rolloutId, stageIndex, position: first + index, ...targetColumns(device) })));
        }
      }
      await insertAll(tx, table.targetCounts, countsByStageAndCohort(rolloutId, stages));
      await takeClaims(tx, rolloutId, stages.flatMap(({ devices }) => devices.map((device) => device.id)));
      return true;
    });
    return first ? stages : this.requireStages(rolloutId);
  }

  async stageDevices(rolloutId: string, stageIndex: number, offset: number, limit: number): Promise<TargetDevice[]> {
    const { targets } = table;
    const rows = await this.db
      .select()
      .from(targets)
      .where(and(eq(targets.rolloutId, rolloutId), eq(targets.stageIndex, stageIndex), gte(targets.position, offset)))
      .orderBy(asc(targets.position))
      .limit(limit);
    if (rows.length === 0 && !(await this.exists(table.stages, and(eq(table.stages.rolloutId, rolloutId), eq(table.stages.stageIndex, stageIndex))))) {
      throw new Error(`ledger has no stage ${stageIndex} for rollout ${rolloutId}`);
    }
    return rows.map(targetDevice);
  }

  async targets(rolloutId: string): Promise<Map<string, TargetDevice & { stage: string }>> {
    const stages = await this.requireStages(rolloutId);
    return new Map(stages.flatMap(({ stage, devices }) => devices.map((device) => [device.id, { ...device, stage }] as const)));
  }

  async *targetPages(rolloutId: string, pageSize: number): AsyncIterable<TargetDevice[]> {
    const { targets } = table;
    let after = { stageIndex: -1, position: -1 };
    for (;;) {
      const rows = await this.db
        .select()
        .from(targets)
        .where(and(eq(targets.rolloutId, rolloutId), sql`(${targets.stageIndex}, ${targets.position}) > (${after.stageIndex}, ${after.position})`))
        .orderBy(asc(targets.stageIndex), asc(targets.position))
        .limit(pageSize);
      if (rows.length === 0) return;
      yield rows.map(targetDevice);
      after = rows.at(-1)!;
    }
  }

  async targetsOf(rolloutId: string, deviceIds: readonly string[]): Promise<Map<string, TargetDevice & { stage: string }>> {
    const { targets, stages } = table;
    const found = new Map<string, TargetDevice & { stage: string }>();
    for (const ids of chunks(deviceIds, ROWS_PER_STATEMENT)) {
      const rows = await this.db
        .select()
        .from(targets)
        .innerJoin(stages, and(eq(stages.rolloutId, targets.rolloutId), eq(stages.stageIndex, targets.stageIndex)))
        .where(and(eq(targets.rolloutId, rolloutId), inArray(targets.deviceId, ids)));
      for (const row of rows) found.set(row.targets.deviceId, { ...targetDevice(row.targets), stage: row.stages.name });
    }
    return found;
  }

  async saveCatchUpRound(rolloutId: string, round: number, devices: CatchUpDevice[]): Promise<CatchUpDevice[]> {
    const first = await this.db.transaction(async (tx) => {
      if (!(await claim(tx, table.catchUpRounds, { rolloutId, round }))) return false;
      const rows = devices.map((device, position) => ({ rolloutId, round, position, ...targetColumns(device), failedGeneration: device.failedGeneration }));
      await insertAll(tx, table.catchUpDevices, rows);
      return true;
    });
    return first ? devices : this.catchUpRoundDevices(rolloutId, round, 0, Number.MAX_SAFE_INTEGER);
  }

  async catchUpRoundDevices(rolloutId: string, round: number, offset: number, limit: number): Promise<CatchUpDevice[]> {
    const { catchUpDevices, catchUpRounds } = table;
    const rows = await this.db
      .select()
      .from(catchUpDevices)
      .where(and(eq(catchUpDevices.rolloutId, rolloutId), eq(catchUpDevices.round, round), gte(catchUpDevices.position, offset)))
      .orderBy(asc(catchUpDevices.position))
      .limit(limit);
    if (rows.length === 0 && !(await this.exists(catchUpRounds, and(eq(catchUpRounds.rolloutId, rolloutId), eq(catchUpRounds.round, round))))) {
      throw new Error(`ledger has no catch-up round ${round} for rollout ${rolloutId}`);
    }
    return rows.map((row) => ({ ...targetDevice(row), failedGeneration: row.failedGeneration }));
  }

  async recordOutcomes(rolloutId: string, outcomes: DeviceOutcome[]): Promise<void> {
    const rows = latestPerDevice(outcomes).map((outcome) => ({
      rolloutId,
      deviceId: outcome.deviceId,
      stage: outcome.stage,
      state: outcome.state,
      attempts: outcome.attempts,
      reason: outcome.reason ?? null,
      operationId: outcome.operationId ?? null,
      errorCode: outcome.errorCode ?? null,
      currentVersion: outcome.currentVersion ?? null,
    }));
    const { outcomes: columns } = table;
    await upsertAll(this.db, columns, rows, [columns.rolloutId, columns.deviceId]);
  }

  async outcomes(rolloutId: string, states?: readonly DeviceOutcomeState[]): Promise<DeviceOutcome[]> {
    const { outcomes } = table;
    const rows = await this.db
      .select()
      .from(outcomes)
      .where(and(eq(outcomes.rolloutId, rolloutId), states ? inArray(outcomes.state, [...states]) : undefined))
      .orderBy(asc(outcomes.seq));
    return rows.map(deviceOutcome);
  }

  async targetsInStates(rolloutId: string, states: readonly DeviceOutcomeState[]): Promise<TargetOutcome[]> {
    const { outcomes, targets } = table;
    const rows = await this.db
      .select()
      .from(targets)
      .innerJoin(outcomes, and(eq(outcomes.rolloutId, targets.rolloutId), eq(outcomes.deviceId, targets.deviceId)))
      .where(and(eq(targets.rolloutId, rolloutId), inArray(outcomes.state, [...states])))
      .orderBy(asc(outcomes.seq));
    return rows.map((row) => ({ target: targetDevice(row.targets), outcome: deviceOutcome(row.outcomes) }));
  }

  async stageOutcomeCounts(rolloutId: string): Promise<StageOutcomeCount[]> {
    const { outcomes, targets } = table;
    const rows = await this.db
      .select({ stageIndex: targets.stageIndex, state: outcomes.state, devices: count() })
      .from(targets)
      .leftJoin(outcomes, and(eq(outcomes.rolloutId, targets.rolloutId), eq(outcomes.deviceId, targets.deviceId)))
      .where(eq(targets.rolloutId, rolloutId))
      .groupBy(targets.stageIndex, outcomes.state)
      .orderBy(asc(targets.stageIndex), asc(outcomes.state));
    return rows.map(({ stageIndex, state, devices }) => (state === null ? { stageIndex, devices } : { stageIndex, state, devices }));
  }

  async observedTargets(rolloutId: string, limit: number): Promise<TargetDevice[]> {
    const { targets, targetCounts } = table;
    const [total] = await this.db.select({ devices: sum(targetCounts.devices).mapWith(Number) }).from(targetCounts).where(eq(targetCounts.rolloutId, rolloutId));
    const rows = await this.db
      .select()
      .from(targets)
      .where(and(eq(targets.rolloutId, rolloutId), lt(targets.sampleFraction, sampledShare(limit, total?.devices ?? 0))))
      .orderBy(asc(targets.stageIndex), asc(targets.position));
    return rows.map(targetDevice);
  }

  async observedStageDevices(rolloutId: string, stage: string, state: DeviceOutcomeState, limit: number): Promise<string[]> {
    const { targets, targetCounts, stages, outcomes } = table;
    const [found] = await this.db
      .select({ stageIndex: stages.stageIndex, devices: sum(targetCounts.devices).mapWith(Number) })
      .from(stages)
      .innerJoin(targetCounts, and(eq(targetCounts.rolloutId, stages.rolloutId), eq(targetCounts.stageIndex, stages.stageIndex)))
      .where(and(eq(stages.rolloutId, rolloutId), eq(stages.name, stage)))
      .groupBy(stages.stageIndex);
    if (!found) return [];
    const rows = await this.db
      .select({ deviceId: targets.deviceId })
      .from(targets)
      .innerJoin(outcomes, and(eq(outcomes.rolloutId, targets.rolloutId), eq(outcomes.deviceId, targets.deviceId)))
      .where(
        and(
          eq(targets.rolloutId, rolloutId),
          eq(targets.stageIndex, found.stageIndex),
          lt(targets.sampleFraction, sampledShare(limit, found.devices)),
          eq(outcomes.state, state),
        ),
      )
      .orderBy(asc(outcomes.seq));
    return rows.map((row) => row.deviceId);
  }

  async cohortSizes(rolloutId: string): Promise<CohortSize[]> {
    const { targetCounts } = table;
    const rows = await this.db
      .select({ cohort: targetCounts.cohort, devices: sum(targetCounts.devices).mapWith(Number) })
      .from(targetCounts)
      .where(eq(targetCounts.rolloutId, rolloutId))
      .groupBy(targetCounts.cohort)
      .orderBy(asc(targetCounts.cohort));
    return rows.map(({ cohort, devices }) => (cohort === null ? { devices } : { cohort, devices }));
  }

  async withdraw(rolloutId: string, deviceIds: string[]): Promise<void> {
    await this.db.transaction((tx) => insertAll(tx, table.withdrawals, deviceIds.map((deviceId) => ({ rolloutId, deviceId }))));
  }

  async withdrawn(rolloutId: string, deviceIds: readonly string[]): Promise<Set<string>> {
    const { withdrawals } = table;
    const found = new Set<string>();
    for (const ids of chunks(deviceIds, ROWS_PER_STATEMENT)) {
      const rows = await this.db
        .select({ deviceId: withdrawals.deviceId })
        .from(withdrawals)
        .where(and(eq(withdrawals.rolloutId, rolloutId), inArray(withdrawals.deviceId, ids)));
      for (const row of rows) found.add(row.deviceId);
    }
    return found;
  }

  async saveReadings(rolloutId: string, readings: HealthReading[]): Promise<void> {
    const { readings: columns } = table;
    await upsertAll(this.db, columns, latestPerDevice(readings).map((reading) => ({ rolloutId, ...reading })), [columns.rolloutId, columns.deviceId]);
  }

  async readings(rolloutId: string, deviceIds: string[]): Promise<Map<string, HealthReading>> {
    const { readings } = table;
    const found = new Map<string, HealthReading>();
    for (const ids of chunks(deviceIds, ROWS_PER_STATEMENT)) {
      const rows = await this.db
        .select({ deviceId: readings.deviceId, firmwareVersion: readings.firmwareVersion, crashCount: readings.crashCount, firmwareUptimeSeconds: readings.firmwareUptimeSeconds })
        .from(readings)
        .where(and(eq(readings.rolloutId, rolloutId), inArray(readings.deviceId, ids)));
      for (const row of rows) found.set(row.deviceId, row);
    }
    return found;
  }

  claimHolders(deviceIds: string[]): Promise<Map<string, string>> {
    return claimHolders(this.db, deviceIds);
  }

  releaseClaims(rolloutId: string): Promise<number> {
    return releaseClaims(this.db, rolloutId);
  }

  handOver(request: { from: string; to?: string | undefined; devices?: string[] | undefined }): Promise<HandOverResult> {
    return handOver(this.db, request);
  }

  async quarantine(record: FirmwareQuarantine): Promise<void> {
    const { cohort, ...rest } = record;
    await this.db
      .insert(table.quarantinedFirmware)
      .values({ ...rest, cohortAttribute: cohort?.attribute ?? null, cohortValue: cohort?.value ?? null })
      .onConflictDoNothing();
  }

  async quarantined(): Promise<FirmwareQuarantine[]> {
    const { quarantinedFirmware } = table;
    const rows = await this.db.select().from(quarantinedFirmware).orderBy(asc(quarantinedFirmware.seq));
    return rows.map(({ version, reason, at, cohortAttribute, cohortValue }) => ({
      version,
      reason,
      at,
      ...(cohortAttribute !== null && cohortValue !== null ? { cohort: { attribute: cohortAttribute, value: cohortValue } } : {}),
    }));
  }

  /** The database's size on disk, as Postgres counts it (tables, indexes, TOAST): what an operator provisions. */
  async databaseBytes(): Promise<number> {
    const [row] = await rowsOf<{ bytes: string }>(this.db, sql`select pg_database_size(current_database())::text as bytes`);
    return Number(row?.bytes);
  }

  private async requireStages(rolloutId: string): Promise<StageTargets[]> {
    const { stages, targets } = table;
    const names = await this.db.select().from(stages).where(eq(stages.rolloutId, rolloutId)).orderBy(asc(stages.stageIndex));
    if (names.length === 0 && !(await this.exists(table.rollouts, eq(table.rollouts.rolloutId, rolloutId)))) {
      throw new Error(`ledger has no targets for rollout ${rolloutId}`);
    }
    const rows = await this.db.select().from(targets).where(eq(targets.rolloutId, rolloutId)).orderBy(asc(targets.stageIndex), asc(targets.position));
    const byStage = names.map(({ name }) => ({ stage: name, devices: [] as TargetDevice[] }));
    for (const row of rows) byStage[row.stageIndex]!.devices.push(targetDevice(row));
    return byStage;
  }

  private async exists(from: PgTable, where: SQL | undefined): Promise<boolean> {
    return (await this.db.select({ one: sql`1` }).from(from).where(where).limit(1)).length > 0;
  }
}

/** Inserts the row that marks a snapshot as taken; false when another call took it first. */
async function claim<T extends PgTable>(db: LedgerDatabase, into: T, row: T['$inferInsert']): Promise<boolean> {
  return (await db.insert(into).values(row).onConflictDoNothing().returning()).length > 0;
}

async function insertAll<T extends PgTable>(db: LedgerDatabase, into: T, rows: T['$inferInsert'][]): Promise<void> {
  for (const chunk of chunks(rows, ROWS_PER_STATEMENT)) await db.insert(into).values(chunk).onConflictDoNothing();
}

/** One transaction of multi-row upserts: a later row for the same key replaces the earlier. */
async function upsertAll<T extends PgTable>(db: LedgerDatabase, into: T, rows: T['$inferInsert'][], key: PgColumn[]): Promise<void> {
  if (rows.length === 0) return;
  const keyNames = new Set(key.map((column) => column.name));
  const replaced = Object.fromEntries(
    Object.entries(into as unknown as Record<string, PgColumn>)
      .filter(([, column]) => !keyNames.has(column.name) && !column.generated && !column.generatedIdentity)
      .map(([property, column]) => [property, sql`excluded.${sql.identifier(column.name)}`]),
  ) as PgUpdateSetSource<T>;
  await db.transaction(async (tx) => {
    for (const chunk of chunks(rows, ROWS_PER_STATEMENT)) await tx.insert(into).values(chunk).onConflictDoUpdate({ target: key, set: replaced });
  });
}

/** The share of targets a sample of `limit` of `total` reads: all of them (every fraction is below 1) when there are no more. */
const sampledShare = (limit: number, total: number): number => (total <= limit ? 1 : limit / total);

function countsByStageAndCohort(rolloutId: string, stages: StageTargets[]): (typeof table.targetCounts.$inferInsert)[] {
  return stages.flatMap(({ devices }, stageIndex) => {
    const counts = new Map<string | null, number>();
    for (const { cohort = null } of devices) counts.set(cohort, (counts.get(cohort) ?? 0) + 1);
    return [...counts].map(([cohort, devicesOfCohort]) => ({ rolloutId, stageIndex, cohort, devices: devicesOfCohort }));
  });
}

/** Postgres refuses to upsert one key twice in a statement; the last of a device's rows is its latest. */
function latestPerDevice<T extends { deviceId: string }>(rows: T[]): T[] {
  return [...new Map(rows.map((row) => [row.deviceId, row])).values()];
}

function targetColumns(device: TargetDevice) {
  return { deviceId: device.id, fromVersion: device.fromVersion, fromFlag: device.fromFlag ?? null, window: device.window ?? null, cohort: device.cohort ?? null };
}

function targetDevice(row: { deviceId: string; fromVersion: string; fromFlag: boolean | null; window: number | null; cohort: string | null }): TargetDevice {
  return {
    id: row.deviceId,
    fromVersion: row.fromVersion,
    ...(row.fromFlag !== null ? { fromFlag: row.fromFlag } : {}),
    ...(row.window !== null ? { window: row.window } : {}),
    ...(row.cohort !== null ? { cohort: row.cohort } : {}),
  };
}

function deviceOutcome(row: typeof table.outcomes.$inferSelect): DeviceOutcome {
  return {
    deviceId: row.deviceId,
    stage: row.stage,
    state: row.state,
    attempts: row.attempts,
    ...(row.reason !== null ? { reason: row.reason } : {}),
    ...(row.operationId !== null ? { operationId: row.operationId } : {}),
    ...(row.errorCode !== null ? { errorCode: row.errorCode } : {}),
    ...(row.currentVersion !== null ? { currentVersion: row.currentVersion } : {}),
  };
}
