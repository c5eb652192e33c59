import assert from 'node:assert/strict';
import { rolloutWorkflowId, stageWorkflowId } from '../../src/engine/model/ids';
import { Plan } from '../../src/engine/model/plan';
import {
  batchHistoryBound,
  CATCH_UP_RUN_HISTORY_BOUND,
  EVIDENCE_RUN_HISTORY_BOUND,
  HEALTH_POLLS_PER_RUN,
  HISTORY_BYTE_LIMIT,
  MONITORING_RUN_HISTORY_BOUND,
  rolloutHistoryBound,
  stageRunHistoryBound,
} from '../../src/engine/model/historyBudget';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { MemoryFleet } from '../../rig/fleet/memoryFleet';
import { rolloutWorkflow } from '../../src/engine/workflows';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import { allRunHistories, rolloutWorkflowIds, type RunHistory } from '../helpers/histories';
import { timeSkippingEnv, withWorker } from '../helpers/temporal';
import { resolveRollout } from '../../src/engine/model/rollout';

const DEVICES = 5_000;
const BATCH_SIZE = 50;
const BATCHES_PER_RUN = 20;
const MAX_CONCURRENT = 2 * BATCH_SIZE;
const WAVE_BATCHES = (DEVICES - 100) / BATCH_SIZE;
/** 360 health checks at the default 60 s: more than one monitoring run holds. */
const WAVE_WINDOW = '6 hours';
const WAVE_MONITORING_RUNS = Math.ceil(360 / HEALTH_POLLS_PER_RUN);

/** The bound `historyBudget` derives for a run, by what the run did. */
function boundOf(run: RunHistory): number {
  if (run.workflowType === 'batchWorkflow') return batchHistoryBound({ devices: BATCH_SIZE, maxConcurrent: MAX_CONCURRENT, maximumAttempts: 5 });
  if (run.workflowType === 'rolloutWorkflow') return rolloutHistoryBound(2);
  if (run.workflowType === 'catchUpWorkflow') return CATCH_UP_RUN_HISTORY_BOUND;
  if (run.workflowType === 'healthWatchWorkflow') return EVIDENCE_RUN_HISTORY_BOUND;
  return run.eventTypes.START_CHILD_WORKFLOW_EXECUTION_INITIATED ? stageRunHistoryBound(BATCHES_PER_RUN) : MONITORING_RUN_HISTORY_BOUND;
}

describe('workflow histories stay bounded (time skipping)', () => {
  it(`keeps every run of a ${DEVICES}-device rollout under its derived bound, the stage continuing as new every ${BATCHES_PER_RUN} batches`, async function () {
    this.timeout(600_000);
    const env = await timeSkippingEnv();
    const fleet = new MemoryFleet({ devices: generateDevices({ count: DEVICES }) });
    const planInput = planFor('bounded', {
      stages: [
        { name: 'canary', devices: 100, monitorWindow: '30 minutes' },
        { name: 'wave', devices: DEVICES - 100, monitorWindow: WAVE_WINDOW },
      ],
      defaults: { batchSize: BATCH_SIZE, maxConcurrent: MAX_CONCURRENT, batchesPerRun: BATCHES_PER_RUN },
    });
    const plan = Plan.parse(planInput);

    const report = await withWorker(env, { fleet, ledger: await temporaryLedger() }, (taskQueue) =>
      env.client.workflow.execute(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [resolveRollout({ plan: planInput })] }),
    );
    const histories = await allRunHistories(env.client, rolloutWorkflowIds(plan, report));

    assert.equal(report.state, 'completed');
    assert.equal(report.stages.reduce((sum, stage) => sum + stage.counts.succeeded, 0), DEVICES);
    assert.equal(fleet.acceptedCommands().size, DEVICES);
    const waveRuns = histories.filter((run) => run.workflowId === stageWorkflowId(plan.rolloutId, 'wave'));
    assert.equal(waveRuns.length, Math.ceil(WAVE_BATCHES / BATCHES_PER_RUN) + WAVE_MONITORING_RUNS, 'a run per 20 batches, then runs of the monitoring window');
    for (const run of histories) {
      const where = `${run.workflowId} run ${run.run}`;
      assert.ok(run.events <= boundOf(run), `${where}: ${run.events} events, bound ${boundOf(run)}`);
      assert.ok(run.bytes < HISTORY_BYTE_LIMIT, `${where}: ${run.bytes} bytes`);
    }
  });
});
