import assert from 'node:assert/strict';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import type { Operation, UpdateCommand } from '../../src/engine/ports/fleetProvider';
import { rolloutWorkflow } from '../../src/engine/workflows';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { timeSkippingEnv, withWorker } from '../helpers/temporal';
import { resolveRollout } from '../../src/engine/model/rollout';

/** A fleet that remembers how many update commands each request queued at once. */
class RequestSizeFleet extends MemoryFleet {
  readonly requestSizes: number[] = [];

  override async startUpdates(commands: UpdateCommand[]): Promise<Operation[]> {
    this.requestSizes.push(commands.length);
    return super.startUpdates(commands);
  }
}

describe('the queue depth limit (time skipping)', () => {
  it('never queues more update commands in one request than the stage allows, and still updates every device', async () => {
    const env = await timeSkippingEnv();
    const fleet = new RequestSizeFleet({ devices: generateDevices({ count: 24 }) });
    const plan = planFor('queue-depth', {
      stages: [{ name: 'wave', devices: 24, monitorWindow: '10 minutes' }],
      defaults: { batchSize: 12, maxConcurrent: 12, queueDepthLimit: 5 },
    });

    const report = await withWorker(env, { fleet, ledger: await temporaryLedger() }, (taskQueue) =>
      env.client.workflow.execute(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [resolveRollout({ plan })] }),
    );

    assert.equal(report.state, 'completed');
    assert.equal(report.stages[0]!.counts.succeeded, 24);
    assert.ok(Math.max(...fleet.requestSizes) <= 5, `requests of ${fleet.requestSizes.join(', ')} devices`);
    assert.equal(fleet.requestSizes.reduce((sum, size) => sum + size, 0), 24, 'one command per device');
  });
});
