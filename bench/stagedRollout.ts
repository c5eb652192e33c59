import { signatureVerifier } from '../src/adapters/artifacts/verify';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { PlanInput } from '../src/engine/model/plan';
import { isFinished, type DeviceOutcome, type RolloutStatus } from '../src/engine/model/status';
import { RolloutClient } from '../src/client';
import { HttpFleet } from '../src/adapters/fleet/httpFleet';
import { RealtimeClock } from '../rig/simulator/clock';
import type { ProfileName } from '../rig/simulator/profiles';
import { serveSimulator } from '../rig/simulator/serveSimulator';
import { SimulatedFleet } from '../rig/simulator/simulatedFleet';
import { SimulatorClient } from '../rig/simulator/simulatorClient';
import type { CommandsResponse, DevicesResponse } from '../rig/simulator/routes';
import { reportedOutcome } from '../rig/simulator/outcome';
import { createRolloutWorker } from '../src/worker';
import type { SignedFirmware } from '../rig/artifacts/signedFirmware';
import { measure, type RunResult } from './measurement';
import { benchLedger } from '../test/helpers/fixtures';

const STATUS_POLL_MS = 250;

export interface BenchTemporal {
  namespace: string;
  connection: NativeConnection;
  client: Client;
  stop(): Promise<void>;
}

export interface StagedRun {
  seed: number;
  devices: number;
  profile: ProfileName;
  plan: PlanInput;
  /** The image the plan ships, and the keys the worker trusts for it. */
  firmware: SignedFirmware;
  speedup: number;
  settleMs: number;
  /** A rollout still running after this much plan time is stopped and reported as stuck. */
  limitMs: number;
  temporal: BenchTemporal;
}

/**
 * Our product: the real rollout workflow on a Temporal dev server, a worker from `createRolloutWorker`
 * driving the simulator through HttpFleet, both playing plan time `speedup` times faster. The run
 * ends when the workflow does, or when a gate holds the rollout for an operator.
 */
export async function runStagedRollout(run: StagedRun): Promise<RunResult> {
  const clock = new RealtimeClock(run.speedup, 1000);
  const fleet = new SimulatedFleet({ devices: run.devices, seed: run.seed, profile: run.profile }, clock);
  const served = await serveSimulator({ fleet });
  const sim = new SimulatorClient(served.url);
  const taskQueue = `bench-${run.seed}-${Date.now()}`;
  const { connection, namespace } = run.temporal;
  const client = new RolloutClient(run.temporal.client, taskQueue);
  const ledger = await benchLedger();
  try {
    const worker = await createRolloutWorker({
      connection,
      namespace,
      taskQueue,
      // The demo's client settings: at this speed-up the default 20 requests/s would stretch every poll by minutes of plan time.
      fleet: new HttpFleet({ baseUrl: served.url, rateLimit: { requestsPerSecond: 200 } }),
      ledger,
      artifacts: signatureVerifier(run.firmware.trustedKeys),
    });
    return await worker.runUntil(async () => {
      const plan = { ...run.plan, rolloutId: `${run.plan.rolloutId}-bench-${run.seed}-${Date.now()}`, firmware: run.firmware.firmware };
      clock.start();
      await client.start({ plan, speedup: run.speedup, startedBy: 'bench' });
      const { status, ending } = await untilFinishedHeldOrStuck(client, plan.rolloutId, sim, run.limitMs);
      const { planTimeMs } = (await sim.metrics()).clock;
      if (ending !== 'finished') await client.handle(plan.rolloutId).terminate(`benchmark over: the rollout is ${ending}`);
      await sleep(run.settleMs / run.speedup);
      const notes = [
        ending === 'stuck' ? `STUCK: still ${status.state} after ${run.limitMs / 3_600_000} h, terminated` : describeEnd(status),
        describeDeferrals(await ledger.outcomes(plan.rolloutId)),
        describeResumable(await sim.commands(), await sim.devices(), plan.firmware.version),
      ].join('; ');
      return await measure(sim, { strategy: 'staged', seed: run.seed, targetVersion: plan.firmware.version, planTimeMs, notes });
    });
  } finally {
    clock.stop();
    await served.close();
    await ledger.close();
  }
}

async function untilFinishedHeldOrStuck(
  client: RolloutClient,
  rolloutId: string,
  sim: SimulatorClient,
  limitMs: number,
): Promise<{ status: RolloutStatus; ending: 'finished' | 'held' | 'stuck' }> {
  for (;;) {
    const status = await client.status(rolloutId);
    if (isFinished(status.state)) return { status, ending: 'finished' };
    if (status.state === 'paused' && (status.decisions ?? []).length > 0) return { status, ending: 'held' };
    if ((await sim.metrics()).clock.planTimeMs > limitMs) return { status, ending: 'stuck' };
    await sleep(STATUS_POLL_MS);
  }
}

/** Why preflight deferred devices, by the first word of the reason (`battery 20% ≤ 50%` → battery). */
function describeDeferrals(outcomes: DeviceOutcome[]): string {
  const reasons = new Map<string, number>();
  for (const outcome of outcomes) {
    if (outcome.state !== 'deferred') continue;
    const reason = outcome.reason?.split(' ')[0] ?? 'unknown';
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  return `deferred: ${[...reasons].map(([reason, count]) => `${reason} ${count}`).join(', ') || 'none'}`;
}

/** Gateways sent a resumable download (catch-up rounds, unstable links): how many ended updated, and what they cost in commands. */
function describeResumable(commands: CommandsResponse['commands'], devices: DevicesResponse['devices'], targetVersion: string): string {
  const resumable = new Set(commands.filter((command) => command.resumableDownload).map((command) => command.deviceId));
  if (resumable.size === 0) return 'resumable downloads: none';
  const updated = devices.filter((device) => resumable.has(device.deviceId) && reportedOutcome(device, targetVersion) === 'updated').length;
  const sent = commands.filter((command) => command.kind === 'update' && !command.duplicate && resumable.has(command.deviceId)).length;
  return `resumable downloads: ${resumable.size} gateways, ${updated} updated, ${sent} update commands to them in all`;
}

function describeEnd(status: RolloutStatus): string {
  const failed = status.stages.reduce((sum, stage) => sum + stage.counts.failed, 0);
  const deferred = status.stages.reduce((sum, stage) => sum + stage.counts.deferred, 0);
  const decisions = (status.decisions ?? []).map((decision) => `${decision.stage} ${decision.gate}: ${decision.action} (${decision.reason})`);
  return [`${status.state}`, `workflow: ${failed} failed, ${deferred} deferred`, ...decisions].join('; ');
}
