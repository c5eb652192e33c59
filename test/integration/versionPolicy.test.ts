import assert from 'node:assert/strict';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../src/engine/model/failures';
import { rolloutWorkflowId } from '../../src/engine/model/ids';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { rolloutWorkflow } from '../../src/engine/workflows';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { timeSkippingEnv, withWorker } from '../helpers/temporal';
import { resolveRollout } from '../../src/engine/model/rollout';

const fleetOf = (versions: string[]) =>
  new MemoryFleet({ devices: versions.map((version, index) => ({ ...generateDevices({ count: versions.length })[index]!, firmwareVersion: version })) });

describe('version policy (time skipping)', () => {
  it('excludes devices below the minimum source version, with the reason, and updates the rest', async () => {
    const env = await timeSkippingEnv();
    const fleet = fleetOf(['1.0.0', '0.9.0', '1.0.0', '2.0.0', '1.2.0', '0.9.0']);
    const ledger = await temporaryLedger();
    const plan = planFor('policy', { stages: [{ name: 'all', devices: 10, monitorWindow: '1 minute' }], versionPolicy: { minimumSourceVersion: '1.0.0' } });
    const report = await withWorker(env, { fleet, ledger }, (taskQueue) =>
      env.client.workflow.execute(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [resolveRollout({ plan })] }),
    );
    assert.deepEqual(report.stages.map((stage) => [stage.devices, stage.counts.succeeded]), [[3, 3]]);
    assert.deepEqual([...fleet.acceptedCommands().keys()].sort(), ['gw-00001', 'gw-00003', 'gw-00005']);
    const excluded = (await ledger.outcomes(plan.rolloutId)).filter((outcome) => outcome.state === 'excluded');
    assert.deepEqual(excluded.map((outcome) => outcome.deviceId).sort(), ['gw-00002', 'gw-00006']);
    assert.match(excluded[0]!.reason!, /minimum/);
  });

  it('refuses to start when the compatibility matrix wants a newer device-management server, touching no device', async () => {
    const env = await timeSkippingEnv();
    const fleet = fleetOf(['1.0.0', '1.0.0']);
    const plan = planFor('compat', {
      stages: [{ name: 'all', devices: 2 }],
      versionPolicy: { compatibility: [{ firmware: '2.0.0', minimumServerApi: '3.0.0' }] },
    });
    await withWorker(env, { fleet, ledger: await temporaryLedger(), fleetApiVersion: '2.1.0' }, async (taskQueue) => {
      const run = env.client.workflow.execute(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [resolveRollout({ plan })] });
      await assert.rejects(run, (error: unknown) => {
        assert.ok(error instanceof WorkflowFailedError);
        assert.ok(error.cause?.cause instanceof ApplicationFailure);
        assert.equal(error.cause.cause.type, FailureType.InvalidPlan);
        assert.match(error.cause.cause.message, /3\.0\.0/);
        return true;
      });
    });
    assert.equal(fleet.commandLog.length, 0);
  });
});
