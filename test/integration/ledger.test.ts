import assert from 'node:assert/strict';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../../src/adapters/ledger/ledgerDatabase';
import { openLedger, type SqlLedger } from '../../src/adapters/ledger/sqlLedger';
import type { DeviceOutcome } from '../../src/engine/model/status';
import type { DevicesClaimedError } from '../../src/engine/model/deviceClaims';
import type { StageTargets } from '../../src/engine/ports/ledger';
import { pgliteEngine, postgresEngine, type LedgerEngine } from '../helpers/ledgers';
import { exitOf, freePort, spawnTs } from '../helpers/processes';

const engines: LedgerEngine[] = [pgliteEngine(), ...(process.env.LEDGER_TEST_URL ? [postgresEngine(process.env.LEDGER_TEST_URL)] : [])];

const snapshot: StageTargets[] = [
  { stage: 'canary', devices: [{ id: 'gw-1', fromVersion: '1.0.0', cohort: 'rev-a' }, { id: 'gw-2', fromVersion: '1.1.0', window: 1 }] },
  { stage: 'empty', devices: [] },
  { stage: 'wave', devices: [{ id: 'gw-3', fromVersion: '1.0.0' }, { id: 'gw-4', fromVersion: '1.0.0' }, { id: 'gw-5', fromVersion: '1.0.0' }] },
];

const outcome = (deviceId: string, stage: string, state: DeviceOutcome['state'], attempts = 1): DeviceOutcome => ({ deviceId, stage, state, attempts });

for (const engine of engines) {
  describe(`the ledger's contract on ${engine.name}`, () => {
    let ledger: SqlLedger;
    const opened: SqlLedger[] = [];
    const open = async (location = engine.freshLocation()) => {
      const fresh = await openLedger(await location);
      opened.push(fresh);
      return fresh;
    };

    beforeEach(async () => {
      ledger = await open();
    });

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((each) => each.close()));
    });

    after(() => engine.cleanUp());

    it('keeps the first target snapshot, returns it to a second save, and pages each stage in order', async () => {
      assert.deepEqual(await ledger.saveTargets('r1', snapshot), snapshot);
      assert.deepEqual(await ledger.saveTargets('r1', [{ stage: 'other', devices: [{ id: 'gw-9', fromVersion: '0.1.0' }] }]), snapshot);
      assert.deepEqual(await ledger.stageDevices('r1', 2, 1, 5), snapshot[2]!.devices.slice(1));
      assert.deepEqual(await ledger.stageDevices('r1', 0, 0, 1), [{ id: 'gw-1', fromVersion: '1.0.0', cohort: 'rev-a' }]);
      assert.deepEqual(await ledger.stageDevices('r1', 1, 0, 10), []);
      assert.deepEqual(await ledger.stageDevices('r1', 2, 3, 10), []);
      const targets = await ledger.targets('r1');
      assert.deepEqual([...targets.keys()], ['gw-1', 'gw-2', 'gw-3', 'gw-4', 'gw-5']);
      assert.deepEqual(targets.get('gw-2'), { id: 'gw-2', fromVersion: '1.1.0', window: 1, stage: 'canary' });
      const pages: string[][] = [];
      for await (const page of ledger.targetPages('r1', 2)) pages.push(page.map((device) => device.id));
      assert.deepEqual(pages, [['gw-1', 'gw-2'], ['gw-3', 'gw-4'], ['gw-5']]);
      assert.deepEqual([...(await ledger.targetsOf('r1', ['gw-5', 'gw-2', 'gw-9']))].sort(), [
        ['gw-2', { id: 'gw-2', fromVersion: '1.1.0', window: 1, stage: 'canary' }],
        ['gw-5', { id: 'gw-5', fromVersion: '1.0.0', stage: 'wave' }],
      ]);
    });

    it('names what it does not have', async () => {
      await ledger.saveTargets('r1', snapshot);
      await assert.rejects(ledger.targets('r-unknown'), /ledger has no targets for rollout r-unknown/);
      await assert.rejects(ledger.stageDevices('r1', 3, 0, 10), /ledger has no stage 3 for rollout r1/);
      await assert.rejects(ledger.catchUpRoundDevices('r1', 1, 0, 10), /ledger has no catch-up round 1 for rollout r1/);
    });

    it('keeps one snapshot when two saves race, and both callers get it', async () => {
      const other: StageTargets[] = [{ stage: 'canary', devices: [{ id: 'gw-9', fromVersion: '0.9.0' }] }];
      const [a, b] = await Promise.all([ledger.saveTargets('r1', snapshot), ledger.saveTargets('r1', other)]);
      assert.deepEqual(a, b);
      assert.deepEqual([...(await ledger.targets('r1')).keys()], a!.flatMap((stage) => stage.devices.map((device) => device.id)));
    });

    it('keeps the first list of each catch-up round and pages it', async () => {
      const round = [
        { id: 'gw-3', fromVersion: '1.0.0', failedGeneration: 2, window: 0 },
        { id: 'gw-4', fromVersion: '1.0.0', failedGeneration: 0, cohort: 'rev-b' },
      ];
      assert.deepEqual(await ledger.saveCatchUpRound('r1', 1, round), round);
      assert.deepEqual(await ledger.saveCatchUpRound('r1', 1, []), round);
      assert.deepEqual(await ledger.saveCatchUpRound('r1', 2, []), []);
      assert.deepEqual(await ledger.catchUpRoundDevices('r1', 1, 1, 10), [round[1]]);
      assert.deepEqual(await ledger.catchUpRoundDevices('r1', 2, 0, 10), []);
    });

    it("keeps each device's latest outcome, in the order devices first got one, and reads a stage's devices in one state", async () => {
      await ledger.saveTargets('r1', snapshot);
      await ledger.recordOutcomes('r1', [outcome('gw-3', 'wave', 'failed'), outcome('gw-1', 'canary', 'succeeded'), outcome('gw-3', 'wave', 'deferred', 2)]);
      await ledger.recordOutcomes('r1', [
        { ...outcome('gw-3', 'wave', 'succeeded', 3), operationId: 'op-3', currentVersion: '2.0.0' },
        { ...outcome('gw-2', 'canary', 'quarantined', 3), reason: 'too many', errorCode: 'FLASH' },
      ]);
      await ledger.recordOutcomes('r2', [outcome('gw-1', 'canary', 'failed')]);
      assert.deepEqual(await ledger.outcomes('r1'), [
        { ...outcome('gw-3', 'wave', 'succeeded', 3), operationId: 'op-3', currentVersion: '2.0.0' },
        outcome('gw-1', 'canary', 'succeeded'),
        { ...outcome('gw-2', 'canary', 'quarantined', 3), reason: 'too many', errorCode: 'FLASH' },
      ]);
      assert.deepEqual(await ledger.observedStageDevices('r1', 'canary', 'succeeded', 100), ['gw-1']);
      assert.deepEqual(await ledger.observedStageDevices('r1', 'wave', 'failed', 100), []);
      assert.deepEqual(await ledger.observedStageDevices('r1', 'no-such-stage', 'succeeded', 100), []);
      assert.deepEqual((await ledger.outcomes('r1', ['quarantined', 'succeeded'])).map((each) => each.deviceId), ['gw-3', 'gw-1', 'gw-2']);
      assert.deepEqual(await ledger.targetsInStates('r1', ['succeeded']), [
        { target: snapshot[2]!.devices[0], outcome: { ...outcome('gw-3', 'wave', 'succeeded', 3), operationId: 'op-3', currentVersion: '2.0.0' } },
        { target: snapshot[0]!.devices[0], outcome: outcome('gw-1', 'canary', 'succeeded') },
      ]);
      assert.deepEqual(await ledger.stageOutcomeCounts('r1'), [
        { stageIndex: 0, state: 'quarantined', devices: 1 },
        { stageIndex: 0, state: 'succeeded', devices: 1 },
        { stageIndex: 2, state: 'succeeded', devices: 1 },
        { stageIndex: 2, devices: 2 },
      ]);
      assert.deepEqual(await ledger.outcomes('r-none'), []);
    });

    it('reads every target of a small rollout and a stable sample of about the limit of a large one, and counts cohorts once', async () => {
      await ledger.saveTargets('r1', snapshot);
      assert.deepEqual((await ledger.observedTargets('r1', 5)).map((each) => each.id), ['gw-1', 'gw-2', 'gw-3', 'gw-4', 'gw-5']);
      assert.deepEqual(await ledger.cohortSizes('r1'), [{ cohort: 'rev-a', devices: 1 }, { devices: 4 }]);
      await ledger.releaseClaims('r1'); // the large rollout takes the same device ids
      const cohort = (index: number) => (index % 4 === 0 ? 'rev-b' : 'rev-a');
      const devices = Array.from({ length: 20_000 }, (_, index) => ({ id: `gw-${index}`, fromVersion: '1.0.0', cohort: cohort(index) }));
      await ledger.saveTargets('big', [{ stage: 'first', devices: devices.slice(0, 4_000) }, { stage: 'rest', devices: devices.slice(4_000) }]);
      await ledger.recordOutcomes('big', devices.slice(4_000).map((device) => outcome(device.id, 'rest', 'succeeded')));
      const sample = await ledger.observedTargets('big', 2_000);
      assert.ok(Math.abs(sample.length - 2_000) < 150, `${sample.length} observed`);
      assert.deepEqual(await ledger.observedTargets('big', 2_000), sample);
      const stageSample = await ledger.observedStageDevices('big', 'rest', 'succeeded', 2_000);
      assert.ok(Math.abs(stageSample.length - 2_000) < 150, `${stageSample.length} of the stage observed`);
      const inStageSample = new Set(stageSample);
      const restInFleetSample = sample.filter((each) => Number(each.id.slice(3)) >= 4_000);
      assert.deepEqual(restInFleetSample.filter((each) => !inStageSample.has(each.id)), [], "the stage's larger share holds the fleet sample's devices of that stage");
      assert.deepEqual(await ledger.cohortSizes('big'), [{ cohort: 'rev-a', devices: 15_000 }, { cohort: 'rev-b', devices: 5_000 }]);
    });

    it('withdraws a device once however often it is asked', async () => {
      await ledger.withdraw('r1', ['gw-1', 'gw-2']);
      await ledger.withdraw('r1', ['gw-2', 'gw-3', 'gw-3']);
      await ledger.withdraw('r1', []);
      assert.deepEqual([...(await ledger.withdrawn('r1', ['gw-1', 'gw-2', 'gw-3', 'gw-4']))].sort(), ['gw-1', 'gw-2', 'gw-3']);
      assert.deepEqual([...(await ledger.withdrawn('r1', ['gw-3', 'gw-9']))], ['gw-3']);
      assert.equal((await ledger.withdrawn('r2', ['gw-1'])).size, 0);
    });

    it("claims a snapshot's devices for its rollout: a snapshot of another rollout holding one stores nothing and names the holder, until the first releases them", async () => {
      await ledger.saveTargets('r1', snapshot);
      const overlapping: StageTargets[] = [{ stage: 'all', devices: [{ id: 'gw-9', fromVersion: '1.0.0' }, { id: 'gw-4', fromVersion: '1.0.0' }, { id: 'gw-2', fromVersion: '1.0.0' }] }];
      await assert.rejects(ledger.saveTargets('r2', overlapping), (error: Error) => {
        assert.equal(error.name, 'DevicesClaimedError');
        assert.deepEqual([...(error as DevicesClaimedError).holders].sort(), [['gw-2', 'r1'], ['gw-4', 'r1']]);
        return true;
      });
      await assert.rejects(ledger.targets('r2'), /ledger has no targets for rollout r2/, 'the refused snapshot stored nothing');
      assert.deepEqual([...(await ledger.claimHolders(['gw-9', 'gw-4', 'gw-1']))].sort(), [['gw-1', 'r1'], ['gw-4', 'r1']], 'nor claimed gw-9');
      assert.deepEqual(await ledger.saveTargets('r1', snapshot), snapshot, 'a retried snapshot of the holder keeps its claims');

      assert.equal(await ledger.releaseClaims('r1'), 5);
      assert.equal(await ledger.releaseClaims('r1'), 0);
      assert.deepEqual(await ledger.saveTargets('r2', overlapping), overlapping);
      assert.deepEqual([...(await ledger.claimHolders(['gw-1', 'gw-2', 'gw-4', 'gw-9']))].sort(), [['gw-2', 'r2'], ['gw-4', 'r2'], ['gw-9', 'r2']]);
    });

    it('gives each device to one of two rollouts whose snapshots race', async () => {
      const devices = Array.from({ length: 200 }, (_, index) => ({ id: `gw-${index}`, fromVersion: '1.0.0' }));
      const saves = await Promise.allSettled([
        ledger.saveTargets('r1', [{ stage: 'all', devices: devices.slice(0, 150) }]),
        ledger.saveTargets('r2', [{ stage: 'all', devices: devices.slice(50) }]),
      ]);
      assert.deepEqual(saves.map((save) => save.status).sort(), ['fulfilled', 'rejected']);
      const winner = saves[0]!.status === 'fulfilled' ? 'r1' : 'r2';
      const holders = await ledger.claimHolders(devices.map((device) => device.id));
      assert.deepEqual(new Set(holders.values()), new Set([winner]));
      assert.equal(holders.size, 150);
    });

    it('hands devices over: the holder withdraws them and the taker claims them; without a taker they are freed', async () => {
      await ledger.saveTargets('r1', snapshot);
      assert.deepEqual(await ledger.handOver({ from: 'r1', to: 'r2', devices: ['gw-4', 'gw-3', 'gw-8'] }), { from: 'r1', to: 'r2', devices: ['gw-3', 'gw-4'] });
      assert.deepEqual(await ledger.handOver({ from: 'r1', to: 'r2', devices: ['gw-4'] }), { from: 'r1', to: 'r2', devices: [] }, 'a repeated hand-over moves nothing');
      assert.deepEqual([...(await ledger.withdrawn('r1', snapshot.flatMap((stage) => stage.devices.map((device) => device.id))))].sort(), ['gw-3', 'gw-4']);
      const taken: StageTargets[] = [{ stage: 'all', devices: [{ id: 'gw-3', fromVersion: '1.0.0' }, { id: 'gw-4', fromVersion: '1.0.0' }] }];
      assert.deepEqual(await ledger.saveTargets('r2', taken), taken, 'the taker snapshots the devices it was handed');

      assert.deepEqual(await ledger.handOver({ from: 'r1' }), { from: 'r1', devices: ['gw-1', 'gw-2', 'gw-5'] });
      assert.deepEqual([...(await ledger.claimHolders(['gw-1', 'gw-2', 'gw-3', 'gw-4', 'gw-5']))].sort(), [['gw-3', 'r2'], ['gw-4', 'r2']]);
      assert.equal((await ledger.withdrawn('r1', snapshot.flatMap((stage) => stage.devices.map((device) => device.id)))).size, 5);
    });

    it("replaces a device's reading with its latest (uptime to a fraction of a second) and reads back only the devices asked for", async () => {
      const reading = (deviceId: string, crashCount: number) => ({ deviceId, firmwareVersion: '2.0.0', crashCount, firmwareUptimeSeconds: 3_000_000_000.25 });
      await ledger.saveReadings('r1', [reading('gw-1', 1), reading('gw-2', 5), reading('gw-1', 2)]);
      await ledger.saveReadings('r1', [reading('gw-2', 7)]);
      const found = await ledger.readings('r1', ['gw-1', 'gw-2', 'gw-9']);
      assert.deepEqual([...found.entries()].sort(), [['gw-1', reading('gw-1', 2)], ['gw-2', reading('gw-2', 7)]]);
      assert.equal((await ledger.readings('r2', ['gw-1'])).size, 0);
    });

    it('quarantines a firmware once for every device and once per cohort', async () => {
      const everywhere = { version: '2.0.0', reason: 'crash rate', at: '2026-01-01T00:00:00.000Z' };
      const revA = { version: '2.0.0', reason: 'rev-a regresses', at: '2026-01-02T00:00:00.000Z', cohort: { attribute: 'hardwareRevision', value: 'rev-a' } };
      await ledger.quarantine(everywhere);
      await ledger.quarantine({ ...everywhere, at: '2026-01-03T00:00:00.000Z' });
      await ledger.quarantine(revA);
      await ledger.quarantine(revA);
      assert.deepEqual(await ledger.quarantined(), [everywhere, revA]);
    });

    it('stores writes larger than one statement, and a second ledger on the same database sees them', async () => {
      const location = await engine.freshLocation();
      const first = await open(Promise.resolve(location));
      const devices = Array.from({ length: 12_345 }, (_, index) => ({ id: `gw-${index}`, fromVersion: '1.0.0' }));
      await first.saveTargets('big', [{ stage: 'all', devices }]);
      await first.recordOutcomes('big', devices.map((device) => outcome(device.id, 'all', 'succeeded')));
      await first.withdraw('big', devices.map((device) => device.id));
      if (location.dataDir) await first.close(); // PGlite: one process, one instance per data directory.
      const second = await open(Promise.resolve(location));
      assert.equal((await second.stageDevices('big', 0, 12_000, 1_000)).length, 345);
      assert.equal((await second.observedStageDevices('big', 'all', 'succeeded', devices.length)).length, devices.length);
      assert.equal((await second.withdrawn('big', devices.map((device) => device.id))).size, devices.length);
      assert.equal(await second.releaseClaims('big'), devices.length);
    });

    it('upgrades a ledger of the first release: targets saved before the sample existed get their hash and counts', async () => {
      const location = await engine.freshLocation();
      await (await open(Promise.resolve(location))).close();
      const database = await openDatabase(location);
      // Back to the first migration's tables, as a ledger of the first release left them, with one rollout in them.
      await database.db.execute(sql`drop table target_counts`);
      await database.db.execute(sql`drop table device_claims`);
      await database.db.execute(sql`alter table targets drop column sample_fraction`);
      await database.db.execute(sql`alter table targets drop column from_flag`);
      await database.db.execute(sql`alter table catch_up_devices drop column from_flag`);
      await database.db.execute(sql`create index outcomes_by_stage_state on outcomes (rollout_id, stage, state, seq)`);
      await database.db.execute(sql`delete from drizzle.__drizzle_migrations where created_at > (select min(created_at) from drizzle.__drizzle_migrations)`);
      await database.db.execute(sql`insert into rollouts values ('old')`);
      await database.db.execute(sql`insert into stages values ('old', 0, 'all')`);
      await database.db.execute(
        sql`insert into targets (rollout_id, stage_index, position, device_id, from_version, cohort) select 'old', 0, n, 'gw-' || n, '1.0.0', case when n % 2 = 0 then 'rev-a' else 'rev-b' end from generate_series(0, 9999) n`,
      );
      await database.close();
      const upgraded = await open(Promise.resolve(location));
      assert.deepEqual(await upgraded.cohortSizes('old'), [{ cohort: 'rev-a', devices: 5_000 }, { cohort: 'rev-b', devices: 5_000 }]);
      const sample = await upgraded.observedTargets('old', 1_000);
      assert.ok(Math.abs(sample.length - 1_000) < 100, `${sample.length} observed`);
      const fresh = await open();
      await fresh.saveTargets('old', await upgraded.stageDevices('old', 0, 0, 10_000).then((devices) => [{ stage: 'all', devices }]));
      assert.deepEqual(await fresh.observedTargets('old', 1_000), sample, 'the upgrade hashes as a new snapshot does');
    });

    it('refuses a database a newer release migrated further', async () => {
      const location = await engine.freshLocation();
      await (await open(Promise.resolve(location))).close();
      const database = await openDatabase(location);
      await database.db.execute(sql`insert into drizzle.__drizzle_migrations (hash, created_at) values ('from-the-future', ${Date.UTC(2100, 0, 1)})`);
      await database.close();
      await assert.rejects(openLedger(location), /migrated by a newer fleet-rollout .*upgrade this worker/);
    });
  });
}

if (process.env.LEDGER_TEST_URL) {
  describe('workers starting together on one PostgreSQL', () => {
    const engine = postgresEngine(process.env.LEDGER_TEST_URL!);
    after(() => engine.cleanUp());

    it('migrate it once, one at a time, and all open it', async () => {
      const location = await engine.freshLocation();
      const ledgers = await Promise.all(Array.from({ length: 4 }, () => openLedger(location)));
      await ledgers[0]!.saveTargets('r1', snapshot);
      assert.deepEqual(await ledgers[3]!.saveTargets('r1', []), snapshot);
      await Promise.all(ledgers.map((ledger) => ledger.close()));
    });
  });
}

describe('a worker whose LEDGER_URL cannot be reached', () => {
  it('exits non-zero with one line that names LEDGER_URL and the fix', async () => {
    const port = await freePort();
    const worker = spawnTs('src/worker.ts', { LEDGER_URL: `postgres://fleet:secret@127.0.0.1:${port}/fleet`, FLEET_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'warn' });
    let stderr = '';
    worker.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await exitOf(worker);
    assert.notEqual(worker.exitCode, 0);
    assert.match(stderr, new RegExp(`LEDGER_URL=postgres://fleet:\\*\\*\\*@127.0.0.1:${port}/fleet cannot be reached \\(connect ECONNREFUSED [^)]*\\): start PostgreSQL`));
    assert.doesNotMatch(stderr, /secret/);
  });
});
