import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { FleetRequestFailed, FleetRequestRejected } from '../../src/adapters/fleet/fleetHttpErrors';
import { ROUTES, deviceStatusPath } from '../../src/adapters/fleet/contract';
import { FaultInjector } from '../../rig/fleet/faultInjector';
import { HttpFleet, type HttpFleetOptions } from '../../src/adapters/fleet/httpFleet';
import { serveFleet, type ServedFleet } from '../../rig/fleet/serveFleet';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import type { FirmwareRef, FleetProvider, Health, RollbackCommand, UpdateCommand } from '../../src/engine/ports/fleetProvider';
import { firmware } from '../helpers/fixtures';

const FIRMWARE: FirmwareRef = firmware();
/** Slashes and spaces, to prove the correlation id survives the trip through the URL path. */
const CORRELATION_ID = 'rollout/42 canary';

const updateCommand = (deviceId: string, generation = 1): UpdateCommand => ({
  deviceId,
  idempotencyKey: `${CORRELATION_ID}/${deviceId}/${generation}`,
  correlationId: CORRELATION_ID,
  firmware: FIRMWARE,
});

const rollbackCommand = (deviceId: string): RollbackCommand => ({
  deviceId,
  idempotencyKey: `${CORRELATION_ID}/${deviceId}/rollback`,
  correlationId: CORRELATION_ID,
  targetVersion: '1.0.0',
});

interface ProviderCall {
  method: string;
  batchSize: number | undefined;
}

/** Records each provider call and the size of its list argument, to observe batching and retries server-side. */
function recordCalls(fleet: FleetProvider): { provider: FleetProvider; calls: ProviderCall[] } {
  const calls: ProviderCall[] = [];
  const provider = new Proxy(fleet, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (argument: unknown) => {
        const list = Array.isArray(argument) ? argument : (argument as { deviceIds?: unknown[] }).deviceIds;
        calls.push({ method: String(property), batchSize: list?.length });
        return value.call(target, argument);
      };
    },
  });
  return { provider, calls };
}

function captureLogs(): { logger: pino.Logger; lines: { msg: string; [key: string]: unknown }[] } {
  const lines: { msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

async function eventually(condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

const timed = async <T>(work: () => Promise<T>): Promise<{ result: T; elapsedMs: number }> => {
  const startedAt = performance.now();
  const result = await work();
  return { result, elapsedMs: performance.now() - startedAt };
};

describe('HttpFleet over the fleet REST contract', function () {
  this.timeout(15_000);

  let memoryFleet: MemoryFleet;
  let calls: ProviderCall[];
  let faults: FaultInjector;
  let served: ServedFleet | undefined;

  async function serve({ deviceCount = 20, maxInFlightRequests = 64 } = {}): Promise<void> {
    memoryFleet = new MemoryFleet({ devices: generateDevices({ count: deviceCount, batteryBackedShare: 0.5 }) });
    const recorded = recordCalls(memoryFleet);
    calls = recorded.calls;
    faults = new FaultInjector();
    served = await serveFleet({ fleet: recorded.provider, faults, limits: { maxInFlightRequests, retryAfterSeconds: 1 } });
  }

  function client(options: Partial<HttpFleetOptions> = {}): HttpFleet {
    return new HttpFleet({
      baseUrl: served!.url,
      timeoutMs: 2_000,
      retry: { attempts: 3, initialDelayMs: 10, maxDelayMs: 2_000 },
      rateLimit: { requestsPerSecond: 1_000 },
      ...options,
    });
  }

  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${served!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  const callsTo = (method: string) => calls.filter((call) => call.method === method);

  afterEach(async () => {
    await served?.close();
    served = undefined;
  });

  describe('round trips', () => {
    beforeEach(() => serve());

    it('pages through the inventory', async () => {
      const fleet = client();
      const devices = [];
      let cursor: string | undefined;
      do {
        const page = await fleet.inventory({ limit: 7, ...(cursor ? { cursor } : {}) });
        devices.push(...page.devices);
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(devices, (await memoryFleet.inventory({ limit: 100 })).devices);
      assert.equal(callsTo('inventory').length, 3);
    });

    it('reads vitals and device health', async () => {
      memoryFleet.setVitals('gw-00002', { cpuPercent: 97, criticalProcesses: ['modem'] });
      memoryFleet.setOnline('gw-00003', false);
      const ids = ['gw-00001', 'gw-00002', 'gw-00003'];
      const fleet = client();
      assert.deepEqual(await fleet.vitals(ids), await memoryFleet.vitals(ids));
      // Firmware uptime runs on between the two reads.
      const [viaHttp, direct] = [await fleet.health(ids), await memoryFleet.health(ids)];
      const withoutUptime = ({ firmwareUptimeSeconds: _uptime, ...rest }: Health) => rest;
      assert.deepEqual(viaHttp.map(withoutUptime), direct.map(withoutUptime));
      viaHttp.forEach((report, index) => assert.ok(Math.abs(report.firmwareUptimeSeconds - direct[index]!.firmwareUptimeSeconds) < 5));
    });

    it('starts updates and rollbacks and follows them by correlation id', async () => {
      const fleet = client();
      const ids = ['gw-00001', 'gw-00002'];
      const updates = await fleet.startUpdates(ids.map((id) => updateCommand(id)));
      assert.deepEqual(
        updates.map(({ deviceId, kind, state, duplicate, targetVersion }) => ({ deviceId, kind, state, duplicate, targetVersion })),
        ids.map((deviceId) => ({ deviceId, kind: 'update', state: 'queued', duplicate: false, targetVersion: '2.0.0' })),
      );

      await sleep(80);
      const settled = await fleet.latestOperations({ correlationId: CORRELATION_ID, deviceIds: [...ids, 'gw-00003'] });
      assert.deepEqual(settled.map((operation) => [operation.operationId, operation.state]), updates.map((operation) => [operation.operationId, 'succeeded']));
      assert.equal(memoryFleet.device('gw-00001').firmwareVersion, '2.0.0');

      const [rollback] = await fleet.startRollbacks([rollbackCommand('gw-00001')]);
      assert.equal(rollback?.kind, 'rollback');
      const rollbacks = await fleet.latestOperations({ correlationId: CORRELATION_ID, deviceIds: ids, kind: 'rollback' });
      assert.deepEqual(rollbacks.map((operation) => operation.operationId), [rollback?.operationId]);
    });

    it('answers the liveness probe', async () => {
      const response = await fetch(`${served!.url}${ROUTES.serviceHealth.path}`);
      assert.equal(response.status, 200);
      assert.deepEqual(await response.json(), { status: 'ok' });
    });
  });

  describe('idempotency', () => {
    beforeEach(() => serve());

    it('creates no second operation for a repeated idempotency key', async () => {
      const fleet = client();
      const [first] = await fleet.startUpdates([updateCommand('gw-00001')]);
      const [repeat] = await fleet.startUpdates([updateCommand('gw-00001')]);
      assert.equal(repeat?.operationId, first?.operationId);
      assert.equal(repeat?.duplicate, true);
      assert.equal(memoryFleet.commandLog.length, 2);
      assert.equal(memoryFleet.acceptedCommands().get('gw-00001'), 1);
    });

    it('creates one operation when a timed-out update is applied late and also retried', async () => {
      faults.inject('requests', { kind: 'hang', ms: 400 });
      const [operation] = await client({ timeoutMs: 100 }).startUpdates([updateCommand('gw-00001')]);
      assert.equal(operation?.deviceId, 'gw-00001');
      await eventually(() => memoryFleet.commandLog.length === 2);
      assert.equal(memoryFleet.acceptedCommands().get('gw-00001'), 1);
    });
  });

  describe('transient failures', () => {
    beforeEach(() => serve());

    it('waits out a 429 for at least its Retry-After', async () => {
      faults.inject('vitals', { kind: 'status', status: 429, retryAfterSeconds: 1 });
      const { logger, lines } = captureLogs();
      const { result, elapsedMs } = await timed(() => client({ logger }).vitals(['gw-00001']));
      assert.equal(result.length, 1);
      assert.ok(elapsedMs >= 1_000, `retried after ${elapsedMs} ms`);
      assert.equal(callsTo('vitals').length, 1);
      assert.equal(lines.filter((line) => line.msg === 'fleet request failed, retrying' && line.status === 429).length, 1);
    });

    it('times out a hanging request and retries it', async () => {
      faults.inject('vitals', { kind: 'hang', ms: 1_000 });
      const { result, elapsedMs } = await timed(() => client({ timeoutMs: 150 }).vitals(['gw-00001']));
      assert.equal(result[0]?.deviceId, 'gw-00001');
      assert.ok(elapsedMs >= 150 && elapsedMs < 1_000, `answered after ${elapsedMs} ms`);
    });

    it('retries 503s, then gives up with FleetRequestFailed', async () => {
      faults.inject('deviceHealth', { kind: 'status', status: 503 }, 2);
      assert.equal((await client().health(['gw-00001'])).length, 1);

      faults.inject('deviceHealth', { kind: 'status', status: 503 }, 3);
      await assert.rejects(client().health(['gw-00001']), (error: unknown) => {
        assert.ok(error instanceof FleetRequestFailed);
        assert.equal(error.name, 'FleetRequestFailed');
        assert.deepEqual(error.details, { status: 503, code: 'UNAVAILABLE' });
        return true;
      });
      assert.equal(callsTo('health').length, 1);
    });

    it('reports a failing provider as 500 INTERNAL, without retrying', async () => {
      const { logger, lines } = captureLogs();
      await assert.rejects(client({ logger }).vitals(['gw-99999']), (error: unknown) => {
        assert.ok(error instanceof FleetRequestFailed);
        assert.deepEqual(error.details, { status: 500, code: 'INTERNAL' });
        assert.match(error.message, /unknown device gw-99999/);
        return true;
      });
      assert.equal(lines.filter((line) => line.msg === 'fleet request failed, retrying').length, 0);
    });

    it('gives up at once when Retry-After exceeds the longest delay it may wait', async () => {
      faults.inject('vitals', { kind: 'status', status: 503, retryAfterSeconds: 30 });
      const { elapsedMs } = await timed(() =>
        assert.rejects(client().vitals(['gw-00001']), (error: unknown) => {
          assert.ok(error instanceof FleetRequestFailed);
          assert.equal(error.details.retryAfterMs, 30_000);
          return true;
        }),
      );
      assert.ok(elapsedMs < 1_000, `gave up after ${elapsedMs} ms`);
    });
  });

  describe('invalid input', () => {
    beforeEach(() => serve());

    it('answers 400 naming the field', async () => {
      const { idempotencyKey: _omitted, ...withoutKey } = updateCommand('gw-00001');
      const response = await post(ROUTES.requests.path, { action: 'firmware/update', devices: [withoutKey] });
      assert.equal(response.status, 400);
      const { error } = (await response.json()) as { error: { code: string; field: string } };
      assert.equal(error.code, 'INVALID_REQUEST');
      assert.equal(error.field, 'devices.0.idempotencyKey');
    });

    it('answers 400 to malformed JSON', async () => {
      const response = await fetch(`${served!.url}${ROUTES.vitals.path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"deviceIds": [',
      });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'INVALID_REQUEST');
    });

    it('rejects without retrying: FleetRequestRejected carries status, code and field', async () => {
      const { logger, lines } = captureLogs();
      await assert.rejects(client({ logger }).startUpdates([{ ...updateCommand('gw-00001'), idempotencyKey: '' }]), (error: unknown) => {
        assert.ok(error instanceof FleetRequestRejected);
        assert.equal(error.name, 'FleetRequestRejected');
        assert.equal(error.status, 400);
        assert.equal(error.code, 'INVALID_REQUEST');
        assert.equal(error.field, 'devices.0.idempotencyKey');
        return true;
      });
      assert.equal(lines.filter((line) => line.msg === 'fleet request failed, retrying').length, 0);
      assert.equal(memoryFleet.commandLog.length, 0);
    });
  });

  describe('load limits', () => {
    it('holds the client to its rate limit', async () => {
      await serve();
      const requestCount = 21;
      const fleet = client({ rateLimit: { requestsPerSecond: 20, burst: 1 } });
      const { elapsedMs } = await timed(() => Promise.all(Array.from({ length: requestCount }, () => fleet.vitals(['gw-00001']))));
      // 1 request from the burst, then 20 paced at 50 ms: at least 1 s. Asserted with slack for timer jitter.
      assert.ok(elapsedMs >= 900, `${requestCount} requests took ${elapsedMs} ms`);
      assert.equal(callsTo('vitals').length, requestCount);
    });

    it('refuses requests beyond the admission limit with 429 and Retry-After, and the client waits them out', async () => {
      await serve({ maxInFlightRequests: 1 });
      faults.inject('vitals', { kind: 'hang', ms: 300 });
      const held = client().vitals(['gw-00001']);
      await sleep(50);

      const refused = await post(ROUTES.deviceHealth.path, { deviceIds: ['gw-00001'] });
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '1');
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'OVERLOADED');
      assert.equal((await fetch(`${served!.url}${ROUTES.serviceHealth.path}`)).status, 200);

      const { result, elapsedMs } = await timed(() => client().health(['gw-00001']));
      assert.equal(result.length, 1);
      assert.ok(elapsedMs >= 1_000, `admitted after ${elapsedMs} ms`);
      assert.equal((await held).length, 1);
    });
  });

  describe('batching', () => {
    beforeEach(() => serve({ deviceCount: 250 }));

    const allIds = () => generateDevices({ count: 250 }).map((device) => device.id);
    const batchSizes = (method: string) => callsTo(method).map((call) => call.batchSize);

    it('splits long id lists into requests of at most 100 ids, keeping order', async () => {
      const ids = allIds();
      const fleet = client();
      const vitals = await fleet.vitals(ids);
      assert.deepEqual(vitals.map((entry) => entry.deviceId), ids);
      assert.deepEqual(batchSizes('vitals'), [100, 100, 50]);

      await fleet.startUpdates(ids.map((id) => updateCommand(id)));
      const operations = await fleet.latestOperations({ correlationId: CORRELATION_ID, deviceIds: ids });
      assert.equal(operations.length, 250);
      assert.deepEqual(batchSizes('startUpdates'), [100, 100, 50]);
      assert.deepEqual(batchSizes('latestOperations'), [100, 100, 50]);
    });

    it('uses the configured batch size', async () => {
      await client({ maxDevicesPerRequest: 40 }).startRollbacks(allIds().map(rollbackCommand));
      assert.deepEqual(batchSizes('startRollbacks'), [40, 40, 40, 40, 40, 40, 10]);
    });

    it('refuses a request naming more than 100 devices', async () => {
      const response = await post(deviceStatusPath(CORRELATION_ID), { deviceIds: allIds().slice(0, 101) });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: { field: string } }).error.field, 'deviceIds');
    });
  });
});
