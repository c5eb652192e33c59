import assert from 'node:assert/strict';
import { Context } from '@temporalio/activity';
import { RolloutClient } from '../../src/client';
import { HttpFleet } from '../../src/adapters/fleet/httpFleet';
import type { FleetCall, Operation, OperationsQuery, UpdateCommand, Vitals } from '../../src/engine/ports/fleetProvider';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { FaultInjector } from '../../rig/fleet/faultInjector';
import { serveFleet } from '../../rig/fleet/serveFleet';
import type { RouteName } from '../../src/adapters/fleet/contract';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { waitFor } from '../helpers/processes';
import { localEnv, withWorker } from '../helpers/temporal';

const DEVICES = 10;
const RETRY_AFTER_SECONDS = 6;

/** The fleet behind the server: notes when a request got past the server's faults to it. */
class ArrivalsFleet extends MemoryFleet {
  readonly arrivals: number[] = [];

  override async vitals(deviceIds: string[]): Promise<Vitals[]> {
    this.arrivals.push(Date.now());
    return super.vitals(deviceIds);
  }

  override async startUpdates(commands: UpdateCommand[]): Promise<Operation[]> {
    this.arrivals.push(Date.now());
    return super.startUpdates(commands);
  }

  override async latestOperations(query: OperationsQuery): Promise<Operation[]> {
    this.arrivals.push(Date.now());
    return super.latestOperations(query);
  }
}

/** Notes when each fault was served. */
class TimedFaults extends FaultInjector {
  readonly servedAt: number[] = [];

  override take(route: RouteName) {
    const fault = super.take(route);
    if (fault) this.servedAt.push(Date.now());
    return fault;
  }
}

/** The worker's client: notes which try of which activity asked for the devices' status, and when. */
class AttemptsFleet extends HttpFleet {
  readonly statusReads: { activityId: string; attempt: number; at: number }[] = [];

  override async latestOperations(query: OperationsQuery, call?: FleetCall): Promise<Operation[]> {
    const { activityId, attempt } = Context.current().info;
    this.statusReads.push({ activityId, attempt, at: Date.now() });
    return super.latestOperations(query, call);
  }
}

describe("a 429 with a Retry-After longer than the HTTP client's 5 s cap (dev server, fleet over HTTP)", () => {
  it("holds the failed activity's retry and every other caller of the service in the worker for the whole delay", async () => {
    const env = await localEnv();
    const fleet = new ArrivalsFleet({ devices: generateDevices({ count: DEVICES }), phases: { queued: 100, downloading: 900, downloaded: 100, installing: 500, rebooting: 400 } });
    const faults = new TimedFaults();
    const served = await serveFleet({ fleet, faults });
    const http = new AttemptsFleet({ baseUrl: served.url, rateLimit: { requestsPerSecond: 200 } });
    // Groups of 5 with room for 10 in flight: two update activities poll the service side by side.
    const plan = planFor('retry-after', {
      stages: [{ name: 'wave', devices: DEVICES, monitorWindow: '10 minutes' }],
      defaults: { batchSize: DEVICES, maxConcurrent: DEVICES, queueDepthLimit: DEVICES / 2, batchTimeout: '4 hours', operationTimeout: '2 hours' },
    });
    try {
      const report = await withWorker(env, { fleet: http, ledger: await temporaryLedger() }, async (taskQueue) => {
        const client = new RolloutClient(env.client, taskQueue);
        await client.start({ plan, speedup: 600 });
        await waitFor(() => fleet.acceptedCommands().size === DEVICES, 'both update activities to send their commands');
        assert.equal(new Set(http.statusReads.map((read) => read.activityId)).size, 2, 'two update activities poll the service');
        faults.inject('deviceStatus', { kind: 'status', status: 429, retryAfterSeconds: RETRY_AFTER_SECONDS });
        return client.result(plan.rolloutId);
      });

      assert.equal(faults.servedAt.length, 1, 'the 429 was served');
      const refusedAt = faults.servedAt[0]!;
      const delayMs = RETRY_AFTER_SECONDS * 1000;
      // Requests sent before the 429 was answered may arrive a moment after it.
      const duringDelay = fleet.arrivals.filter((at) => at > refusedAt + 100 && at < refusedAt + delayMs);
      assert.deepEqual(duringDelay.map((at) => at - refusedAt), [], 'no request reached the service during its Retry-After');
      const retried = http.statusReads.filter((read) => read.attempt > 1 && read.at > refusedAt);
      assert.ok(retried.length > 0, 'the refused activity was retried');
      assert.ok(retried[0]!.at - refusedAt >= delayMs, `the retry came ${retried[0]!.at - refusedAt} ms after the 429`);

      assert.equal(report.state, 'completed');
      assert.equal(report.stages[0]!.counts.succeeded, DEVICES);
      assert.deepEqual([...fleet.acceptedCommands().values()], Array(DEVICES).fill(1), 'one update command per device');
    } finally {
      await served.close();
    }
  });
});
