import assert from 'node:assert/strict';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import type { PlanInput } from '../../src/engine/model/plan';
import { resolveRollout, type RolloutReport } from '../../src/engine/model/rollout';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import type { Vitals } from '../../src/engine/ports/fleetProvider';
import type { Ledger } from '../../src/engine/ports/ledger';
import { rolloutWorkflow } from '../../src/engine/workflows';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { timeSkippingEnv, withWorker } from '../helpers/temporal';

const HOUR = 3_600_000;
const DEVICES = 40;
const id = (n: number) => `gw-${String(n).padStart(5, '0')}`;

/** A fleet where some devices recover at a time on the server's (the workflows') clock. */
class RecoveringFleet extends MemoryFleet {
  serverClock: () => Promise<number> = () => Promise.resolve(Date.now());
  private readonly recoveries: { at: number; recover: () => void }[] = [];

  recoverAt(at: number, recover: () => void): void {
    this.recoveries.push({ at, recover });
  }

  override async vitals(deviceIds: string[]): Promise<Vitals[]> {
    const now = await this.serverClock();
    for (const { at, recover } of this.recoveries) if (now >= at) recover();
    return super.vitals(deviceIds);
  }
}

async function run(plan: PlanInput, arrange: (fleet: RecoveringFleet, startedAt: number) => void): Promise<{ report: RolloutReport; fleet: RecoveringFleet; ledger: Ledger }> {
  const env = await timeSkippingEnv();
  const fleet = new RecoveringFleet({ devices: generateDevices({ count: DEVICES }) });
  fleet.serverClock = () => env.currentTimeMs();
  arrange(fleet, await env.currentTimeMs());
  const ledger = await temporaryLedger();
  const report = await withWorker(env, { fleet, ledger }, (taskQueue) =>
    env.client.workflow.execute(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [resolveRollout({ plan })] }),
  );
  return { report, fleet, ledger };
}

const oneStage = (name: string, catchUp: PlanInput['catchUp']): PlanInput =>
  planFor(name, {
    stages: [{ name: 'all', devices: DEVICES, monitorWindow: '10 minutes' }],
    defaults: { batchSize: DEVICES, maxConcurrent: DEVICES },
    retry: { maximumAttempts: 2 },
    catchUp,
  });

describe('devices that miss their turn (time skipping)', () => {
  it('re-checks missed devices until the window closes, quarantines one out of attempts, and names who missed it and why', async () => {
    const { report, fleet, ledger } = await run(oneStage('catch-up', { rolloutWindow: '12 hours', recheckInterval: '1 hour', quarantineAfterAttempts: 3 }), (fleet, startedAt) => {
      fleet.setOnline(id(1), false);
      fleet.recoverAt(startedAt + HOUR, () => fleet.setOnline(id(1), true));
      fleet.setVitals(id(2), { cpuPercent: 90 });
      fleet.recoverAt(startedAt + 3 * HOUR, () => fleet.setVitals(id(2), { cpuPercent: 15 }));
      fleet.setOnline(id(3), false);
      fleet.failNextUpdates(id(4), 100, 'FLASH_WRITE_ERROR');
      for (const n of [5, 6, 7, 8]) fleet.failNextUpdates(id(n), 2, 'DOWNLOAD_INTERRUPTED');
    });

    assert.equal(report.state, 'completed');
    const counts = report.stages[0]!.counts;
    assert.deepEqual(counts, { pending: 0, succeeded: 38, failed: 1, deferred: 1, rolled_back: 0, excluded: 0 }, 'each device counted once, where it ended');
    assert.ok(report.elapsedMs > 11 * HOUR && report.elapsedMs <= 12 * HOUR, `re-checked until the window closed, ended after ${report.elapsedMs / HOUR} h`);

    const commands = fleet.acceptedCommands();
    assert.equal(commands.get(id(1)), 1, 'back online within the window: updated in a catch-up round');
    assert.equal(commands.get(id(2)), 1, 'passed preflight later: updated in a catch-up round');
    assert.equal(commands.has(id(3)), false, 'never came back: never sent a command');
    assert.equal(commands.get(id(4)), 3, 'two failed attempts in its batch, one in catch-up, then no more');
    for (const n of [5, 6, 7, 8]) assert.equal(commands.get(id(n)), 3, `${id(n)}: failed its batch's two attempts, updated on its third in catch-up`);
    assert.equal(fleet.commandLog.filter((command) => command.duplicate).length, 0, 'no command repeated');
    assert.equal(fleet.device(id(1)).firmwareVersion, '2.0.0');

    assert.deepEqual(report.missed, {
      total: 2,
      groups: [
        { reason: 'offline', devices: 1, examples: [{ deviceId: id(3), detail: 'offline at every check' }] },
        { reason: 'device_quarantined', devices: 1, examples: [{ deviceId: id(4), detail: 'FLASH_WRITE_ERROR after 3 failed updates, on 1.0.0' }] },
      ],
    });
    const quarantined = (await ledger.outcomes(report.rolloutId)).find((outcome) => outcome.deviceId === id(4));
    assert.deepEqual([quarantined?.state, quarantined?.errorCode, quarantined?.currentVersion], ['quarantined', 'FLASH_WRITE_ERROR', '1.0.0']);
  });

  it('ends the catch-up phase as soon as nobody is left', async () => {
    const { report, fleet } = await run(oneStage('catch-up-early', {}), (fleet, startedAt) => {
      fleet.setOnline(id(1), false);
      fleet.recoverAt(startedAt + HOUR, () => fleet.setOnline(id(1), true));
    });
    assert.equal(report.state, 'completed');
    assert.equal(fleet.acceptedCommands().get(id(1)), 1);
    assert.deepEqual(report.stages[0]!.counts, { pending: 0, succeeded: DEVICES, failed: 0, deferred: 0, rolled_back: 0, excluded: 0 });
    assert.deepEqual(report.missed, { total: 0, groups: [] });
    assert.ok(report.elapsedMs < 3 * HOUR, `a 7-day window, but done after ${report.elapsedMs / HOUR} h`);
  });
});
