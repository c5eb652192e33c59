import assert from 'node:assert/strict';
import type { PlanInput } from '../../src/engine/model/plan';
import { RolloutClient } from '../../src/client';
import { claimedByReason } from '../../src/engine/model/deviceClaims';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { firmware, planFor, temporaryLedger } from '../helpers/fixtures';
import { waitFor } from '../helpers/processes';
import { localEnv, withWorker } from '../helpers/temporal';

// An update takes about 1.5 s: the first rollout still holds its devices when the second starts.
const PHASES = { queued: 50, downloading: 400, downloaded: 50, installing: 600, rebooting: 400 };
const DEVICES = generateDevices({ count: 10 }).map((device) => device.id);

const plan = (name: string, version: string, stages: NonNullable<PlanInput['stages']>): PlanInput =>
  planFor(name, { firmware: firmware(version), stages: stages.map((stage) => ({ monitorWindow: '1 minute', ...stage })), defaults: { batchSize: 3, batchGap: '1 minute' } });

/** The rollouts that sent each device an update command, from the fleet's own log. */
function commandersPerDevice(fleet: MemoryFleet, rolloutIds: string[]): Map<string, string[]> {
  const commanders = new Map<string, string[]>();
  for (const { kind, deviceId, idempotencyKey } of fleet.commandLog) {
    if (kind !== 'update') continue;
    const rolloutId = rolloutIds.find((id) => idempotencyKey.startsWith(`${id}/`))!;
    const seen = commanders.get(deviceId) ?? [];
    if (!seen.includes(rolloutId)) commanders.set(deviceId, [...seen, rolloutId]);
  }
  return commanders;
}

describe('one rollout per device at a time (dev server)', () => {
  it('gives a device two rollouts target to the first to snapshot it; the other excludes it naming the holder, and the devices are free once it ends', async () => {
    const env = await localEnv();
    const fleet = new MemoryFleet({ devices: generateDevices({ count: 10 }), phases: PHASES });
    const first = plan('first', '2.0.0', [{ name: 'all', devices: 6 }]);
    const second = plan('second', '2.1.0', [{ name: 'all', percent: 100 }]);
    await withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue) => {
      const client = new RolloutClient(env.client, taskQueue);
      await client.start({ plan: first, speedup: 600 });
      await waitFor(async () => (await client.status(first.rolloutId)).stages[0]!.devices === 6, 'the first rollout to snapshot its targets');
      await client.start({ plan: second, speedup: 600 });

      const [firstReport, secondReport] = await Promise.all([client.result(first.rolloutId), client.result(second.rolloutId)]);
      assert.deepEqual([firstReport.state, secondReport.state], ['completed', 'completed']);
      assert.deepEqual(firstReport.stages.map((stage) => [stage.devices, stage.counts.succeeded]), [[6, 6]]);
      assert.deepEqual(secondReport.stages.map((stage) => [stage.devices, stage.counts.succeeded]), [[4, 4]]);

      const commanders = commandersPerDevice(fleet, [first.rolloutId, second.rolloutId]);
      assert.deepEqual([...commanders.keys()].sort(), DEVICES, 'every device was commanded');
      for (const [deviceId, rollouts] of commanders) assert.equal(rollouts.length, 1, `${deviceId} was commanded by ${rollouts.join(' and ')}`);
      assert.deepEqual(DEVICES.map((id) => commanders.get(id)![0]), [...Array(6).fill(first.rolloutId), ...Array(4).fill(second.rolloutId)]);

      assert.deepEqual((await client.status(second.rolloutId)).claimedElsewhere, [{ rolloutId: first.rolloutId, devices: 6 }]);
      const claimed = secondReport.missed?.groups.find((group) => group.reason === 'claimed_by_rollout');
      assert.deepEqual(
        claimed && [claimed.devices, new Set(claimed.examples.map((example) => example.detail))],
        [6, new Set([claimedByReason(first.rolloutId)])],
      );

      // Both ended and freed their devices: a third rollout takes the six still short of 2.1.0.
      const third = plan('third', '2.1.0', [{ name: 'all', percent: 100 }]);
      const commandsBefore = fleet.commandLog.length;
      await client.start({ plan: third, speedup: 600 });
      const thirdReport = await client.result(third.rolloutId);
      assert.deepEqual(thirdReport.stages.map((stage) => [stage.devices, stage.counts.succeeded]), [[6, 6]]);
      assert.equal((await client.status(third.rolloutId)).claimedElsewhere, undefined);
      assert.deepEqual([...new Set(fleet.commandLog.slice(commandsBefore).map((command) => command.deviceId))].sort(), DEVICES.slice(0, 6));
    });
  });

  it('lets an operator hand devices a waiting rollout holds to another, which alone commands them', async () => {
    const env = await localEnv();
    const fleet = new MemoryFleet({ devices: generateDevices({ count: 10 }), phases: PHASES });
    const holder = plan('holder', '2.0.0', [
      { name: 'canary', devices: 2 },
      { name: 'wave', devices: 8, advance: 'manual' },
    ]);
    const hotfix = plan('hotfix', '2.0.1', [{ name: 'all', percent: 100 }]);
    await withWorker(env, { fleet, ledger: await temporaryLedger() }, async (taskQueue) => {
      const client = new RolloutClient(env.client, taskQueue);
      await client.start({ plan: holder, speedup: 600 });
      await waitFor(async () => (await client.status(holder.rolloutId)).state === 'awaiting_approval', 'the wave to wait for approval');

      const handed = DEVICES.slice(2, 6);
      const moved = await client.handOver({ from: holder.rolloutId, to: hotfix.rolloutId, devices: [...handed, DEVICES[0]!], by: 'alice', reason: 'the hotfix first' });
      assert.deepEqual(moved, { from: holder.rolloutId, to: hotfix.rolloutId, devices: [DEVICES[0]!, ...handed] }, 'a device the canary updated is handed over too: it has no command left from the holder');
      await client.start({ plan: hotfix, speedup: 600 });
      const hotfixReport = await client.result(hotfix.rolloutId);
      assert.deepEqual(hotfixReport.stages.map((stage) => [stage.devices, stage.counts.succeeded]), [[5, 5]], 'the handed-over devices, gw-1 on 2.0.0 among them');
      assert.deepEqual((await client.status(hotfix.rolloutId)).claimedElsewhere, [{ rolloutId: holder.rolloutId, devices: 5 }]);

      await client.approve(holder.rolloutId, { by: 'alice', stage: 'wave' });
      const holderReport = await client.result(holder.rolloutId);
      assert.equal(holderReport.state, 'completed');
      assert.deepEqual(holderReport.stages.map((stage) => [stage.devices, stage.counts.succeeded, stage.counts.excluded]), [[2, 2, 0], [8, 4, 4]]);

      const commanders = commandersPerDevice(fleet, [holder.rolloutId, hotfix.rolloutId]);
      for (const id of handed) assert.deepEqual(commanders.get(id), [hotfix.rolloutId], `${id} commanded by the hotfix alone`);
      assert.deepEqual(commanders.get(DEVICES[0]!), [holder.rolloutId, hotfix.rolloutId], 'updated by the canary before the hand-over, then by the hotfix');
      for (const id of [DEVICES[1]!, ...DEVICES.slice(6)]) assert.deepEqual(commanders.get(id), [holder.rolloutId]);
    });
  });
});
