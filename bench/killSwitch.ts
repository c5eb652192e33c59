import { setTimeout as sleep } from 'node:timers/promises';
import { Command, InvalidArgumentError } from 'commander';
import { HttpFleet } from '../src/adapters/fleet/httpFleet';
import { signatureVerifier } from '../src/adapters/artifacts/verify';
import { RolloutClient } from '../src/client';
import type { Device } from '../src/engine/ports/fleetProvider';
import { createRolloutWorker } from '../src/worker';
import { RealtimeClock } from '../rig/simulator/clock';
import { PROFILE_NAMES, type ProfileName } from '../rig/simulator/profiles';
import { serveSimulator } from '../rig/simulator/serveSimulator';
import { SimulatedFleet } from '../rig/simulator/simulatedFleet';
import { benchLedger } from '../test/helpers/fixtures';
import { startBenchTemporal } from './beforeAfter';

const FLAG = 'new_sensor_algorithm';
const SAMPLE_MS = 100;
/** The production worker's fleet client (`HttpFleetOptions`' default): what the kill switch gets in the field. */
const WORKER_REQUESTS_PER_SECOND = 20;

interface KillSwitchBench {
  devices: number;
  seed: number;
  profile: ProfileName;
  speedups: number[];
  requestsPerSecond: number;
  limitSeconds: number;
}

interface Sample {
  realMs: number;
  planMs: number;
  online: number;
  onlineOff: number;
}

/**
 * `npm run bench:kill-switch`: a simulated fleet with a flag on everywhere it could be delivered, then
 * `rollout kill-switch` through the real workflow on a dev server and a worker whose fleet client is
 * the production one; samples the simulator's ground truth every 100 ms real until every online
 * gateway reports the flag off, and prints when 99 % and 100 % of the online gateways did.
 */
async function benchKillSwitch(options: KillSwitchBench): Promise<void> {
  const temporal = await startBenchTemporal();
  console.log(`${options.devices} gateways, seed ${options.seed}, profile ${options.profile}, worker fleet client ${options.requestsPerSecond} requests/s`);
  console.log('| speed-up | online at pull | 99 % of online off: real s | plan s | 100 %: real s | plan s | workflow ended: real s | passes | commands | requests refused |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  try {
    for (const speedup of options.speedups) console.log(await runOnce(options, speedup, temporal));
  } finally {
    await temporal.stop();
  }
}

async function runOnce(options: KillSwitchBench, speedup: number, temporal: Awaited<ReturnType<typeof startBenchTemporal>>): Promise<string> {
  const clock = new RealtimeClock(speedup, 1000);
  const fleet = new SimulatedFleet({ devices: options.devices, seed: options.seed, profile: options.profile }, clock);
  const served = await serveSimulator({ fleet });
  const ledger = await benchLedger();
  const taskQueue = `bench-kill-switch-${speedup}-${Date.now()}`;
  try {
    clock.start();
    await switchOnEverywhere(fleet, served.url);
    const worker = await createRolloutWorker({
      connection: temporal.connection,
      namespace: temporal.namespace,
      taskQueue,
      fleet: new HttpFleet({ baseUrl: served.url, rateLimit: { requestsPerSecond: options.requestsPerSecond } }),
      ledger,
      artifacts: signatureVerifier({}),
    });
    return await worker.runUntil(async () => {
      const client = new RolloutClient(temporal.client, taskQueue);
      const startedReal = performance.now();
      const startedPlan = fleet.metrics().clock.planTimeMs;
      const handle = await client.killSwitch({ flag: FLAG, by: 'bench', reason: 'kill-switch benchmark', recheckInterval: '10 seconds' });
      const samples: Sample[] = [];
      let ended: number | undefined;
      void handle.result().finally(() => (ended = performance.now() - startedReal));
      while (ended === undefined && performance.now() - startedReal < options.limitSeconds * 1000) {
        samples.push({ realMs: performance.now() - startedReal, planMs: fleet.metrics().clock.planTimeMs - startedPlan, ...(await onlineOff(fleet)) });
        await sleep(SAMPLE_MS);
      }
      samples.push({ realMs: performance.now() - startedReal, planMs: fleet.metrics().clock.planTimeMs - startedPlan, ...(await onlineOff(fleet)) });
      if (ended === undefined) await handle.terminate('benchmark limit reached');
      const status = ended === undefined ? undefined : await handle.result();
      const at = (share: number) => samples.find((sample) => sample.onlineOff >= share * sample.online);
      const seconds = (ms: number | undefined) => (ms === undefined ? '–' : (ms / 1000).toFixed(1));
      const [p99, all] = [at(0.99), at(1)];
      const cells = [
        `${speedup}×`,
        samples[0]!.online,
        seconds(p99?.realMs),
        seconds(p99?.planMs),
        seconds(all?.realMs),
        seconds(all?.planMs),
        ended === undefined ? `not by ${options.limitSeconds} s` : seconds(ended),
        status ? status.pass.number - 1 : '–',
        status?.commanded ?? '–',
        fleet.metrics().management.requestsRefused,
      ];
      return `| ${cells.join(' | ')} |`;
    });
  } finally {
    clock.stop();
    await served.close();
    await ledger.close();
  }
}

/** The flag on for every gateway, sent through the contract; offline ones get it when they reconnect, so wait for the online ones. */
async function switchOnEverywhere(fleet: SimulatedFleet, url: string): Promise<void> {
  const http = new HttpFleet({ baseUrl: url, rateLimit: { requestsPerSecond: 1000 } });
  const ids = (await everyDevice(fleet)).map((device) => device.id);
  await http.setFlags(ids.map((deviceId) => ({ deviceId, idempotencyKey: `enable/${deviceId}/1`, correlationId: 'enable', flag: FLAG, value: true })));
  for (;;) {
    const online = (await everyDevice(fleet)).filter((device) => device.online);
    if (online.every((device) => device.flags[FLAG] === true)) return;
    await sleep(SAMPLE_MS);
  }
}

async function onlineOff(fleet: SimulatedFleet): Promise<{ online: number; onlineOff: number }> {
  const online = (await everyDevice(fleet)).filter((device) => device.online);
  return { online: online.length, onlineOff: online.filter((device) => device.flags[FLAG] !== true).length };
}

/** The simulator's ground truth, read in process: the benchmark's own reads cost the service nothing. */
async function everyDevice(fleet: SimulatedFleet): Promise<Device[]> {
  const devices: Device[] = [];
  let cursor: string | undefined;
  do {
    const page = await fleet.inventory({ limit: 10_000, ...(cursor ? { cursor } : {}) });
    devices.push(...page.devices);
    cursor = page.nextCursor;
  } while (cursor);
  return devices;
}

const positive = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError('expected a number above 0');
  return parsed;
};

if (require.main === module) {
  new Command('bench:kill-switch')
    .description('time until 99 % of online simulated gateways report a flag off after `rollout kill-switch`')
    .option('--devices <count>', 'gateways', positive, 10_000)
    .option('--seed <n>', 'simulator seed', positive, 1)
    .option('--profile <name>', `simulator profile: ${PROFILE_NAMES.join(', ')}`, 'field')
    .option('--speedups <list>', 'simulator speed-ups, comma-separated', (value) => value.split(',').map(positive), [1, 60])
    .option('--requests-per-second <n>', "the worker's fleet client rate limit", positive, WORKER_REQUESTS_PER_SECOND)
    .option('--limit-seconds <s>', 'real seconds after which a run is stopped', positive, 600)
    .action((options: KillSwitchBench) => benchKillSwitch(options))
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
