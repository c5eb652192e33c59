import { MockActivityEnvironment } from '@temporalio/testing';
import { Command, InvalidArgumentError } from 'commander';
import { generateDevices } from '../rig/fleet/generateDevices';
import { MemoryFleet } from '../rig/fleet/memoryFleet';
import { createEvidenceActivities } from '../src/engine/activities/evidence';
import { createHealthActivities } from '../src/engine/activities/health';
import type { StageTargets, TargetDevice } from '../src/engine/ports/ledger';
import { EvidencePolicy } from '../src/engine/model/health/cohortEvidence';
import { benchLedger, uniqueRolloutId } from '../test/helpers/fixtures';
import type { SqlLedger } from '../src/adapters/ledger/sqlLedger';
import type { StageHealth } from '../src/engine/model/health/observation';

/** The scale bench's stages: canary, pilot, first wave and the rest, as shares of the fleet. */
const STAGE_SHARES = [['canary', 0.01], ['pilot', 0.05], ['wave1', 0.25], ['wave2', 0.69]] as const;

interface PollOptions {
  devices: number[];
  polls: number;
}

const positiveIntegers = (value: string): number[] =>
  value.split(',').map((each) => {
    const parsed = Number(each);
    if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('expected positive whole numbers, comma-separated');
    return parsed;
  });

/**
 * The cost of one health poll as the fleet grows: a rollout of `devices` targets whose every device
 * succeeded, on the bench ledger (PGlite in a folder, or PostgreSQL at LEDGER_URL) and the in-memory
 * fleet; times the crash-evidence poll and the last stage's health poll, the activities a monitoring
 * window repeats, outside Temporal so that only their own work is measured.
 */
async function benchHealthPoll({ devices: sizes, polls }: PollOptions): Promise<void> {
  console.log('| devices | ledger | crash-evidence poll: median (min–max) | wave2 health poll: median (min–max) | wave2 devices read per poll |');
  console.log('|---:|---|---:|---:|---:|');
  for (const devices of sizes) {
    const ledger = await benchLedger();
    try {
      console.log(await measure(ledger, devices, polls));
    } finally {
      await ledger.close();
    }
  }
}

async function measure(ledger: SqlLedger, count: number, polls: number): Promise<string> {
  const devices = generateDevices({ count });
  const fleet = new MemoryFleet({ devices });
  const rolloutId = uniqueRolloutId(`poll-${count}`);
  const stages = stageTargets(devices.map((device) => ({ id: device.id, fromVersion: device.firmwareVersion, cohort: device.attributes.hardwareRevision })));
  await ledger.saveTargets(rolloutId, stages);
  for (const { stage, devices: members } of stages) {
    await ledger.recordOutcomes(rolloutId, members.map((device) => ({ deviceId: device.id, stage, state: 'succeeded' as const, attempts: 1 })));
  }
  const { observeCrashEvidence } = createEvidenceActivities({ fleet, ledger, artifacts: unusedVerifier });
  const { checkStageHealth } = createHealthActivities({ fleet, ledger, artifacts: unusedVerifier });
  const { observedDevices } = EvidencePolicy.parse({});
  const activity = new MockActivityEnvironment();
  const evidence = await timed(polls, () => activity.run(observeCrashEvidence, { rolloutId, firmwareVersion: '2.0.0', observedDevices, withdrawnCohorts: [] }));
  let stageDevicesRead = 0;
  const stage = await timed(polls, async () => {
    stageDevicesRead = ((await activity.run(checkStageHealth, { rolloutId, stage: 'wave2', firmwareVersion: '2.0.0', observedDevices })) as StageHealth).updated;
  });
  const where = process.env.LEDGER_URL ? 'PostgreSQL' : 'PGlite';
  return `| ${count.toLocaleString('en')} | ${where} | ${evidence} | ${stage} | ${stageDevicesRead.toLocaleString('en')} |`;
}

function stageTargets(devices: TargetDevice[]): StageTargets[] {
  let start = 0;
  return STAGE_SHARES.map(([stage, share], index) => {
    const end = index === STAGE_SHARES.length - 1 ? devices.length : start + Math.round(devices.length * share);
    const members = devices.slice(start, end);
    start = end;
    return { stage, devices: members };
  });
}

async function timed(times: number, run: () => Promise<unknown>): Promise<string> {
  const durations: number[] = [];
  for (let index = 0; index < times; index++) {
    const startedAt = performance.now();
    await run();
    durations.push(performance.now() - startedAt);
  }
  durations.sort((a, b) => a - b);
  const ms = (value: number) => `${Math.round(value).toLocaleString('en')} ms`;
  return `${ms(durations[Math.floor(durations.length / 2)]!)} (${ms(durations[0]!)}–${ms(durations.at(-1)!)})`;
}

const unusedVerifier = {
  verify: () => Promise.reject(new Error('a health poll verifies no firmware')),
};

const program = new Command('bench:health-poll')
  .description('times one health poll of a rollout at each fleet size')
  .option('--devices <counts>', 'fleet sizes, comma-separated', positiveIntegers, [10_000, 1_000_000])
  .option('--polls <count>', 'polls timed per size', (value) => positiveIntegers(value)[0]!, 5)
  .action((options: PollOptions) => benchHealthPoll(options));

program.parseAsync().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
