import assert from 'node:assert/strict';
import { batchWorkflowId, rolloutWorkflowId } from '../../src/engine/model/ids';
import { Plan } from '../../src/engine/model/plan';
import { batchHistoryBound } from '../../src/engine/model/historyBudget';
import { MaintenanceWindow, nextOpening, openSpanAt } from '../../src/engine/model/maintenanceWindow';
import { generateDevices } from '../../rig/fleet/generateDevices';
import type { Operation, UpdateCommand } from '../../src/engine/ports/fleetProvider';
import { rolloutWorkflow } from '../../src/engine/workflows';
import { CommandClockFleet } from '../helpers/clockFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { runHistories } from '../helpers/histories';
import { timeSkippingEnv, withWorker } from '../helpers/temporal';
import { resolveRollout } from '../../src/engine/model/rollout';

const NIGHTLY = { cron: '0 2 * * *', duration: '2 hours', timeZone: 'Europe/Berlin' };
const nightly = MaintenanceWindow.parse(NIGHTLY);
const BERLIN_NOON = MaintenanceWindow.parse({ cron: '0 12 * * *', duration: 1, timeZone: 'Europe/Berlin' });
const DEVICES = 30;

/** Fails the first update call that carries `device`, as a fleet that is briefly unreachable would. */
class OnceUnreachableFleet extends CommandClockFleet {
  constructor(
    private unreachableFor: string | undefined,
    ...options: ConstructorParameters<typeof CommandClockFleet>
  ) {
    super(...options);
  }

  override async startUpdates(commands: UpdateCommand[]): Promise<Operation[]> {
    if (commands.some(({ deviceId }) => deviceId === this.unreachableFor)) {
      this.unreachableFor = undefined;
      throw new Error('fleet unreachable');
    }
    return super.startUpdates(commands);
  }
}

describe('maintenance windows (time skipping)', () => {
  it('sends eu-west its commands only inside its nightly Berlin window, the other regions at once', async function () {
    this.timeout(300_000);
    const env = await timeSkippingEnv();
    // From noon in Berlin, so the window is closed when the rollout starts.
    const now = await env.currentTimeMs();
    await env.sleep(nextOpening(now, BERLIN_NOON) - now);
    const startedAt = await env.currentTimeMs();

    const devices = generateDevices({ count: DEVICES });
    const euWest = devices.filter((device) => device.attributes.region === 'eu-west').map((device) => device.id);
    const [unlucky] = euWest;
    assert.ok(unlucky && euWest.length < DEVICES, 'the fleet has eu-west devices and others');
    const fleet = new OnceUnreachableFleet(unlucky, { devices });
    fleet.serverClock = () => env.currentTimeMs();
    // Its second attempt fails too; the retry, 3 hours later, falls after the window has closed.
    fleet.failNextUpdates(unlucky, 1, 'FLASH_WRITE_ERROR');
    const planInput = planFor('windows', {
      stages: [{ name: 'all', devices: DEVICES, monitorWindow: '30 minutes' }],
      // One lane of 10 devices: a group waiting for its window must let the others through.
      defaults: { batchSize: DEVICES, maxConcurrent: 10, batchTimeout: '12 hours' },
      retry: { initialInterval: '3 hours', maximumInterval: '3 hours' },
      maintenanceWindows: [{ cohort: { region: 'eu-west' }, window: NIGHTLY }],
    });
    const plan = Plan.parse(planInput);

    const report = await withWorker(env, { fleet, ledger: await temporaryLedger(), clock: () => env.currentTimeMs() }, (taskQueue) =>
      env.client.workflow.execute(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [resolveRollout({ plan: planInput })] }),
    );

    // The batch waited days for eu-west: its 12-hour timeout counts from the latest opening, so it never held the stage.
    assert.equal(report.state, 'completed');
    assert.deepEqual(report.stages[0]?.counts, { pending: 0, succeeded: DEVICES, failed: 0, deferred: 0, rolled_back: 0, excluded: 0 });
    const windowed = fleet.commandsAt.filter(({ deviceId }) => euWest.includes(deviceId));
    const others = fleet.commandsAt.filter(({ deviceId }) => !euWest.includes(deviceId));
    assert.equal(new Set(windowed.map(({ deviceId }) => deviceId)).size, euWest.length);
    for (const { deviceId, at } of windowed) {
      assert.ok(openSpanAt(at, nightly), `${deviceId} was sent its command at ${new Date(at).toISOString()}, outside 02:00–04:00 Berlin`);
    }
    for (const { deviceId, at } of others) {
      assert.ok(at - startedAt < 60_000, `${deviceId} waited ${Math.round((at - startedAt) / 60_000)} minutes for its command`);
    }
    // The fleet was unreachable in the first night; the retry failed in the second and succeeded in the third.
    const unluckyNights = fleet.commandsAt.filter(({ deviceId }) => deviceId === unlucky).map(({ at }) => openSpanAt(at, nightly)?.opensAtMs);
    assert.deepEqual(unluckyNights, [nextOpening(startedAt, nightly) + 86_400_000, nextOpening(startedAt, nightly) + 2 * 86_400_000]);

    const [batch] = await runHistories(env.client, batchWorkflowId(plan.rolloutId, 'all', 0));
    const bound = batchHistoryBound({ devices: DEVICES, maxConcurrent: 10, maximumAttempts: plan.retry.maximumAttempts, windowed: true });
    assert.ok(batch && batch.events <= bound, `the batch recorded ${batch?.events} events, over its bound of ${bound}`);
  });
});
