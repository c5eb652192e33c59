import { execFile, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { RolloutClient } from '../../src/client';
import { DevicePage, type DeviceDetail } from '../../src/adapters/deviceApi/deviceDetail';
import { deviceApiPaths } from '../../src/adapters/deviceApi/deviceApi';
import { isFinished, type RolloutStatus } from '../../src/engine/model/status';
import type { PlanInput } from '../../src/engine/model/plan';
import { startDevServer, type RunningDevServer } from '../../rig/devenv/devConfig';
import { startFaultProxy, type FaultProxy, type FaultRates } from '../../rig/fleet/faultProxy';
import { serveSignedFirmware, type SignedFirmware } from '../../rig/artifacts/signedFirmware';
import type { ProfileName } from '../../rig/simulator/profiles';
import { SimulatorClient } from '../../rig/simulator/simulatorClient';
import { exitOf, freePort, spawnTs, waitFor } from '../../test/helpers/processes';
import { ProcessSampler } from './processSampler';
import { judge, type Verdict } from './verdict';

const DEVICE_PAGE = 1000;
const STATUS_POLL_MS = 2000;

export interface CampaignOptions {
  devices: number;
  seed: number;
  speedup: number;
  /** Plan milliseconds per simulation step: coarser steps keep a big fleet's simulation up with a high speed-up. */
  stepMs: number;
  profile: ProfileName;
  /** Faults between the worker and the service; absent: the worker talks to the simulator directly. */
  faults?: FaultRates;
  /** The worker's FLEET_REQUESTS_PER_SECOND. */
  requestsPerSecond: number;
  /** A PostgreSQL ledger; absent: PGlite in the campaign's folder. */
  ledgerUrl?: string;
  imageBytes: number;
  firmwareVersion: string;
  rssSampleMs: number;
}

/**
 * The product as operators run it, each part a process of its own: the gateway simulator
 * (`npm run sim`), a Temporal dev server on a database file, the worker (`src/worker.ts`) and,
 * between worker and simulator, a fault proxy. Each part can be killed and started again.
 */
export class Campaign {
  readonly workdir = mkdtempSync(path.join(tmpdir(), 'campaign-'));
  readonly taskQueue = `campaign-${process.pid}-${Date.now()}`;
  readonly sim: SimulatorClient;
  worker: ChildProcess | undefined;
  workerStarts = 0;
  readonly sampler: ProcessSampler;
  private client: RolloutClient | undefined;

  private constructor(
    readonly options: CampaignOptions,
    private readonly simulator: ChildProcess,
    readonly simulatorUrl: string,
    readonly proxy: FaultProxy | undefined,
    private server: RunningDevServer,
    private readonly serverPort: number,
    readonly firmware: SignedFirmware,
    private readonly deviceApiPort: number,
  ) {
    this.sim = new SimulatorClient(simulatorUrl);
    this.sampler = new ProcessSampler(() => this.worker?.pid, options.rssSampleMs);
  }

  static async start(options: CampaignOptions): Promise<Campaign> {
    const simulatorPort = await freePort();
    const simulator = spawnTs('rig/simulator/main.ts', {
      SIM_PORT: String(simulatorPort),
      SIM_DEVICES: String(options.devices),
      SIM_SEED: String(options.seed),
      SIM_SPEEDUP: String(options.speedup),
      SIM_STEP_MS: String(options.stepMs),
      SIM_PROFILE: options.profile,
      LOG_LEVEL: 'error',
    });
    const simulatorUrl = `http://127.0.0.1:${simulatorPort}`;
    await waitFor(() => fetch(`${simulatorUrl}/healthz`).then((response) => response.ok, () => false), 'the simulator to listen', 120_000);
    const proxy = options.faults ? await startFaultProxy(simulatorUrl, options.faults) : undefined;
    const serverPort = await freePort();
    const workdir = mkdtempSync(path.join(tmpdir(), 'campaign-server-'));
    const server = await startCampaignServer(serverPort, workdir);
    const firmware = await serveSignedFirmware(options.firmwareVersion, options.imageBytes, 'campaign');
    return new Campaign(options, simulator, simulatorUrl, proxy, server, serverPort, firmware, await freePort());
  }

  get fleetUrl(): string {
    return this.proxy?.url ?? this.simulatorUrl;
  }

  async rolloutClient(): Promise<RolloutClient> {
    if (!this.client) {
      const connection = await Connection.connect({ address: this.server.address });
      this.client = new RolloutClient(new Client({ connection, namespace: this.server.namespace }), this.taskQueue);
    }
    return this.client;
  }

  /** Starts a worker process and waits until it polls its task queue. */
  async startWorker(): Promise<void> {
    const keysFile = path.join(this.workdir, 'trusted-keys.json');
    writeFileSync(keysFile, JSON.stringify(this.firmware.trustedKeys));
    const worker = spawnTs('src/worker.ts', {
      TEMPORAL_ADDRESS: this.server.address,
      TEMPORAL_NAMESPACE: this.server.namespace,
      TEMPORAL_TASK_QUEUE: this.taskQueue,
      FLEET_URL: this.fleetUrl,
      FLEET_REQUESTS_PER_SECOND: String(this.options.requestsPerSecond),
      FIRMWARE_TRUSTED_KEYS_FILE: keysFile,
      DEVICE_API_ADDRESS: `127.0.0.1:${this.deviceApiPort}`,
      LOG_LEVEL: 'info',
      ...(this.options.ledgerUrl ? { LEDGER_URL: this.options.ledgerUrl } : { FLEET_ROLLOUT_DATA: path.join(this.workdir, 'data') }),
    });
    this.worker = worker;
    this.workerStarts += 1;
    let started = false;
    worker.stdout!.on('data', (chunk: Buffer) => (started ||= chunk.toString().includes('"worker started"')));
    const log = createWriteStream(path.join(this.workdir, 'worker.log'), { flags: 'a' });
    worker.stdout!.pipe(log);
    worker.stderr!.pipe(log);
    await waitFor(() => started || worker.exitCode !== null, 'the worker to start', 180_000);
    if (!started) throw new Error(`the worker exited with code ${worker.exitCode} before it started; see ${this.workdir}/worker.log`);
  }

  async killWorker(): Promise<void> {
    if (!this.worker) return;
    this.sampler.sample();
    this.worker.kill('SIGKILL');
    await exitOf(this.worker);
    this.worker = undefined;
  }

  /** Stops the Temporal server with `signal` and starts it again on its database file and port. */
  async restartServer(signal: NodeJS.Signals): Promise<void> {
    await this.server.kill(signal);
    this.server = await startCampaignServer(this.serverPort, path.dirname(this.server.logFile));
  }

  /** Crashes the PostgreSQL ledger and starts it again, with the command `.ci/with-postgres` exports. */
  async restartLedger(): Promise<void> {
    const command = process.env.LEDGER_TEST_RESTART;
    if (!command) throw new Error('LEDGER_TEST_RESTART is not set: run the campaign under .ci/with-postgres to restart its ledger');
    await promisify(execFile)('sh', ['-c', command]);
  }

  async startRollout(plan: PlanInput & { rolloutId: string }): Promise<void> {
    await (await this.rolloutClient()).start({ plan, speedup: this.options.speedup, startedBy: 'campaign' });
  }

  /** The rollout's status, or undefined while the server cannot answer (it may be restarting). */
  async status(rolloutId: string): Promise<RolloutStatus | undefined> {
    return (await this.rolloutClient()).status(rolloutId).catch(() => undefined);
  }

  async waitUntilFinished(rolloutId: string, limitMs: number): Promise<RolloutStatus | undefined> {
    const deadline = Date.now() + limitMs;
    let status: RolloutStatus | undefined;
    while (Date.now() < deadline) {
      status = (await this.status(rolloutId)) ?? status;
      if (status && isFinished(status.state)) return status;
      await sleep(STATUS_POLL_MS);
    }
    return status;
  }

  /** The rollout's account of every target, read from the worker's device API. */
  async account(rolloutId: string): Promise<DeviceDetail[]> {
    const devices: DeviceDetail[] = [];
    for (let offset = 0; ; offset += DEVICE_PAGE) {
      const url = `http://127.0.0.1:${this.deviceApiPort}${deviceApiPaths.devices(rolloutId)}?limit=${DEVICE_PAGE}&offset=${offset}`;
      const page = DevicePage.parse(await (await fetch(url)).json());
      devices.push(...page.devices);
      if (devices.length >= page.total) return devices;
    }
  }

  async verdict(rolloutId: string, status: RolloutStatus): Promise<Verdict> {
    const [gateways, commands, account] = await Promise.all([this.sim.devices(), this.sim.commands(), this.account(rolloutId)]);
    return judge({ targetVersion: this.options.firmwareVersion, gateways, commands, account, counts: status.devices });
  }

  get temporalClient(): Promise<Client> {
    return this.rolloutClient().then((client) => client.client);
  }

  async stop(): Promise<void> {
    this.sampler.stop();
    this.worker?.kill('SIGKILL');
    if (this.worker) await exitOf(this.worker);
    await this.client?.close();
    await this.server.stop();
    this.simulator.kill('SIGTERM');
    await exitOf(this.simulator);
    await this.proxy?.close();
    await this.firmware.close();
  }
}

const startCampaignServer = (port: number, workdir: string): Promise<RunningDevServer> =>
  startDevServer({ port, headless: true, dbFile: path.join(workdir, 'temporal.db'), logFile: path.join(workdir, 'server.log') });
