import assert from 'node:assert/strict';
import { alertWorkflowId, rolloutWorkflowId } from '../../src/engine/model/ids';
import { RolloutEvent, rolloutEventId, type RolloutEventKind } from '../../src/engine/model/notifications';
import type { PlanInput } from '../../src/engine/model/plan';
import { resolveRollout, type RolloutReport } from '../../src/engine/model/rollout';
import type { Device } from '../../src/engine/ports/fleetProvider';
import { rolloutWorkflow, type alertDeliveryWorkflow } from '../../src/engine/workflows';
import { WebhookNotifier } from '../../src/adapters/notifier/webhookNotifier';
import { generateDevices } from '../../rig/fleet/generateDevices';
import { CrashRateFleet } from '../helpers/clockFleet';
import { planFor, temporaryLedger } from '../helpers/fixtures';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ownTimeSkippingEnv, withWorker } from '../helpers/temporal';
import { RECEIVER_SECRET, webhookReceiver, type WebhookReceiver } from '../helpers/webhookReceiver';

const BASE_RATE = 0.2;
const SECRET_ENV = 'TEST_ALERTS_SECRET';
const stages: PlanInput['stages'] = [
  { name: 'canary', devices: 6, monitorWindow: '1 hour' },
  { name: 'pilot', devices: 24, monitorWindow: '2 hours' },
  { name: 'rest', devices: 60, monitorWindow: '1 hour' },
];

/**
 * A rollout under time skipping on 90 gateways whose firmware 2.0.0 crashes ten times as often on
 * the devices `regressed` picks, its plan sending alerts to each receiver. Returns once every alert
 * the rollout raised, expected to be one of each of `kinds`, has ended its delivery.
 */
async function rollOutWithAlerts(
  env: TestWorkflowEnvironment,
  name: string,
  regressed: (device: Device) => boolean,
  receivers: WebhookReceiver[],
  kinds: RolloutEventKind[],
): Promise<{ report: RolloutReport; events: RolloutEvent[] }> {
  const fleet = new CrashRateFleet({ devices: generateDevices({ count: 90 }) }, (device, version) => (version === '2.0.0' && regressed(device) ? BASE_RATE * 10 : BASE_RATE));
  fleet.serverClock = () => env.currentTimeMs();
  const plan = planFor(name, { stages, defaults: { batchSize: 6 }, notifications: { webhooks: receivers.map(({ url }) => ({ url, secretEnv: SECRET_ENV })) } });
  return withWorker(env, { fleet, ledger: await temporaryLedger(), notifier: new WebhookNotifier() }, async (taskQueue) => {
    const report = await env.client.workflow.execute(rolloutWorkflow, { taskQueue, workflowId: rolloutWorkflowId(plan.rolloutId), args: [resolveRollout({ plan })] });
    const eventIds = kinds.map((kind) => rolloutEventId(plan.rolloutId, kind, 1));
    for (const eventId of eventIds) {
      const delivery = await env.client.workflow.getHandle<typeof alertDeliveryWorkflow>(alertWorkflowId(eventId)).result();
      assert.deepEqual(delivery, { delivered: receivers.length, of: receivers.length }, `${eventId} reached every receiver`);
    }
    for (const receiver of receivers) assert.deepEqual([...receiver.accepted.keys()].sort(), [...eventIds].sort(), 'no other event was raised');
    return { report, events: eventIds.map((eventId) => RolloutEvent.parse(receivers[0]!.accepted.get(eventId))) };
  });
}

const byKind = <Kind extends RolloutEventKind>(events: RolloutEvent[], kind: Kind) => events.find((event): event is Extract<RolloutEvent, { kind: Kind }> => event.kind === kind)!;

describe('alerts of a running rollout to real webhook receivers (time skipping)', function () {
  this.timeout(180_000);
  process.env[SECRET_ENV] = RECEIVER_SECRET;
  // Alert deliveries are abandoned children that may outlive a rollout: on the shared server they would
  // hold its clock still for every later test.
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await ownTimeSkippingEnv();
  });
  after(() => env.teardown());

  it('a cohort regression pauses, rolls back and completes: every event arrives signed and once, also at receivers that fail and recover', async () => {
    const healthy = await webhookReceiver();
    const failing = await webhookReceiver({ failFirst: 3 });
    const losing = await webhookReceiver({ failFirst: 2, failAfterProcessing: true });
    const receivers = [healthy, failing, losing];
    try {
      const kinds: RolloutEventKind[] = ['paused_by_trigger', 'rolled_back', 'firmware_quarantined', 'deadline_near', 'completed_with_misses'];
      const { report, events } = await rollOutWithAlerts(env, 'alerts-cohort', (device) => device.attributes.hardwareRevision === 'rev-b', receivers, kinds);

      assert.equal(report.state, 'completed');
      for (const receiver of receivers.slice(1)) assert.deepEqual(receiver.accepted, healthy.accepted, 'every receiver took the same events');
      const paused = byKind(events, 'paused_by_trigger');
      assert.match(paused.trigger, /^health \(stage \w+\)$/);
      assert.match(paused.decision, /^roll back: cohort .*rev-b.*the rest goes on at the deadline\)$/);
      assert.ok(paused.deadline, 'the pause names its deadline');
      const near = byKind(events, 'deadline_near');
      assert.equal(near.deadline, paused.deadline);
      assert.ok(Date.parse(near.at) < Date.parse(near.deadline), 'warned before the deadline');
      assert.match(byKind(events, 'rolled_back').scope, /^cohort .*rev-b/);
      assert.equal(byKind(events, 'firmware_quarantined').cohort, 'hardwareRevision=rev-b');
      const completed = byKind(events, 'completed_with_misses');
      assert.equal(completed.missed, report.missed?.total);
      assert.equal(completed.updated + completed.missed, 90);

      assert.equal(healthy.requests(), kinds.length);
      assert.equal(failing.requests(), kinds.length + 3, 'the three refused requests were retried');
      assert.equal(failing.duplicates(), 0);
      assert.equal(losing.requests(), kinds.length + 2, 'the two unanswered requests were re-sent');
      assert.equal(losing.duplicates(), 2, 'and dropped by event id at the receiver');
    } finally {
      await Promise.all(receivers.map((receiver) => receiver.close()));
    }
  });
});
