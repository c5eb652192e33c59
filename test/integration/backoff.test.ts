import assert from 'node:assert/strict';
import { Plan } from '../../src/engine/model/plan';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import { backoffSchedule } from '../../src/engine/model/planMath';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { rolloutWorkflow } from '../../src/engine/workflows';
import { CommandClockFleet } from '../helpers/clockFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { timeSkippingEnv, withWorker } from '../helpers/temporal';
import { resolveRollout } from '../../src/engine/model/rollout';

describe('per-device retries (time skipping)', () => {
  it('retries an update that fails twice after 5 and then 10 minutes, and it succeeds on the third attempt', async () => {
    const env = await timeSkippingEnv();
    const fleet = new CommandClockFleet({ devices: generateDevices({ count: 1 }) });
    fleet.serverClock = () => env.currentTimeMs();
    fleet.failNextUpdates('gw-00001', 2, 'FLASH_WRITE_ERROR');
    const planInput = planFor('backoff', { stages: [{ name: 'only', devices: 1, monitorWindow: '1 minute' }] });
    const plan = Plan.parse(planInput);

    const report = await withWorker(env, { fleet, ledger: await temporaryLedger() }, (taskQueue) =>
      env.client.workflow.execute(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [resolveRollout({ plan: planInput })] }),
    );

    assert.equal(report.stages[0]?.counts.succeeded, 1);
    const attemptAt = fleet.commandsAt.map(({ at }) => at);
    assert.equal(attemptAt.length, 3);
    const gaps = attemptAt.slice(1).map((at, index) => at - attemptAt[index]!);
    const expected = backoffSchedule(plan.retry, 3); // [5 min, 10 min]
    assert.deepEqual(expected, [300_000, 600_000]);
    gaps.forEach((gap, index) => {
      // An attempt itself takes a moment of real time, which the server's clock also counts.
      assert.ok(gap >= expected[index]! && gap < expected[index]! + 30_000, `retry ${index + 1} came ${gap} ms after the previous attempt, expected ${expected[index]} ms`);
    });
    assert.equal(fleet.acceptedCommands().get('gw-00001'), 3, 'one new command per failed generation, none for retries of the same one');
  });
});
