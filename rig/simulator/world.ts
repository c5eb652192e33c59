import { Gateway } from './gateway';
import { managementLoad, type ManagementLoad } from './management';
import { RunningTotals, type SimMetrics } from './metrics';
import type { SimulationModel } from './model';
import { OperationStore, type SimOperation } from './operations';
import type { FailureProfile } from './profiles';
import { generateGateways } from './traits';
import type { FirmwareTransfer } from './transfer';
import {
  abandonDownload,
  advanceTimedPhase,
  crashedOnProbation,
  dispatchQueued,
  downloaded,
  downloadFailed,
  lostPower,
  type AgentContext,
} from './updateAgent';
import { allocateUplink, congestion } from './uplink';

export interface WorldSpec {
  devices: number;
  seed: number;
  /** What every gateway runs at the start. */
  firmwareVersion: string;
  model: SimulationModel;
  profile: FailureProfile;
  /** Real downloads over HTTP; the simulated uplink carries them when absent. */
  transfer?: FirmwareTransfer;
}

const BYTES_PER_MEGABIT = 1_000_000 / 8;

/**
 * The simulated fleet and its management service, advanced in fixed steps of plan time. Each step:
 * reconnections, the service dispatches and times out operations, the uplink is shared among the
 * downloads, timed phases move on, then batteries, crashes and connection drops.
 */
export class World {
  readonly gateways: Gateway[];
  readonly store = new OperationStore();
  readonly totals = new RunningTotals();
  nowMs = 0;
  private readonly byId: Map<string, Gateway>;

  constructor(readonly spec: WorldSpec) {
    this.gateways = generateGateways(spec).map((traits) => new Gateway(traits, spec.seed));
    this.byId = new Map(this.gateways.map((gateway) => [gateway.id, gateway]));
    this.totals.recordStep(this.load(), 0, 0, 0);
  }

  gateway(deviceId: string): Gateway | undefined {
    return this.byId.get(deviceId);
  }

  load(): ManagementLoad {
    return managementLoad(this.spec.model.management, this.store.inFlight.size);
  }

  step(dtMs: number): void {
    this.nowMs += dtMs;
    const load = this.load();
    const context: AgentContext = { now: this.nowMs, seed: this.spec.seed, model: this.spec.model, profile: this.spec.profile, store: this.store };
    this.reconnect(load);
    this.advanceOperations(context);
    this.deliverFlags(context);
    const { utilisationPercent, congestion } = this.moveBytes(context, dtMs);
    this.exposeGateways(context, load, congestion, dtMs);
    this.totals.recordStep(this.load(), this.store.inFlight.size, utilisationPercent, dtMs);
  }

  metrics(speedup: number | null, stepMs: number): SimMetrics {
    const { totals, store, spec } = this;
    const inFlight = [...store.inFlight];
    return {
      clock: { planTimeMs: this.nowMs, speedup, stepMs },
      management: {
        cpuPercent: round(totals.load.cpuPercent),
        peakCpuPercent: round(Math.min(100, totals.peakCpuDemandPercent)),
        cpuDemandPercent: round(totals.load.cpuDemandPercent),
        peakCpuDemandPercent: round(totals.peakCpuDemandPercent),
        operationsInFlight: inFlight.length,
        peakOperationsInFlight: totals.peakOperationsInFlight,
        queueDepth: inFlight.filter((operation) => operation.state === 'queued').length,
        saturatedMs: totals.saturatedMs,
        requestsRefused: totals.requestsRefused,
      },
      uplink: {
        capacityMbps: spec.model.network.uplinkMbps,
        utilisationPercent: round(totals.utilisationPercent),
        peakUtilisationPercent: round(totals.peakUtilisationPercent),
        bytesMoved: Math.round(totals.bytesMoved),
        bytesWasted: Math.round(totals.bytesWasted),
      },
      devices: {
        total: this.gateways.length,
        online: this.gateways.filter((gateway) => gateway.online).length,
        wedged: this.gateways.filter((gateway) => gateway.wedged).length,
        dead: this.gateways.filter((gateway) => gateway.dead).length,
        disconnections: this.gateways.reduce((sum, gateway) => sum + gateway.disconnections, 0),
        devicesDisconnected: this.gateways.filter((gateway) => gateway.disconnections > 0).length,
        devicesDisconnectedByLoad: this.gateways.filter((gateway) => gateway.loadDisconnections > 0).length,
      },
      operations: store.countByState(),
    };
  }

  /** Connecting needs the service: a saturated one turns every gateway away. */
  private reconnect(load: ManagementLoad): void {
    if (load.saturated) return;
    for (const gateway of this.gateways) {
      if (!gateway.online && !gateway.dead && gateway.dueToReconnect(this.nowMs)) gateway.reconnect();
    }
  }

  private advanceOperations(context: AgentContext): void {
    const timeoutMs = this.spec.model.management.operationTimeoutMs;
    for (const operation of [...this.store.inFlight]) {
      const gateway = this.gatewayOf(operation);
      if (operation.state === 'queued') {
        dispatchQueued(operation, gateway, context);
        if (gateway.job === operation && gateway.activity === 'downloading') this.startTransfer(operation, gateway);
      } else if (operation.state === 'downloading' && context.now - (operation.dispatchedAtMs ?? 0) >= timeoutMs) {
        this.giveUpDownload(operation, gateway, context);
      } else if (operation.state === 'downloading') this.settleTransfer(operation, gateway, context);
      else advanceTimedPhase(operation, gateway, context);
    }
  }

  /** Connected gateways read their desired flags at once; the service gives up on one offline past the operation timeout. */
  private deliverFlags({ now, store }: AgentContext): void {
    const timeoutMs = this.spec.model.management.operationTimeoutMs;
    for (const operation of [...store.pendingFlags]) {
      const gateway = this.gatewayOf(operation);
      if (gateway.online && operation.flag) {
        gateway.applyFlag(operation.flag.name, operation.flag.value, now);
        store.transition(operation, 'succeeded');
      } else if (now - operation.createdAtMs >= timeoutMs) store.transition(operation, 'failed', 'QUEUE_TIMEOUT');
    }
  }

  private startTransfer(operation: SimOperation, gateway: Gateway): void {
    const { transfer } = this.spec;
    if (!transfer) return;
    operation.transfer = { state: 'running' };
    const request = { deviceId: gateway.id, region: gateway.traits.device.attributes.region, installedVersion: gateway.activeVersion, targetVersion: operation.targetVersion };
    // Settled by a later step: the world's steps never wait for the network.
    void transfer.fetch(request).then(
      ({ bytesTransferred }) => (operation.transfer = { state: 'done', bytesTransferred }),
      () => (operation.transfer = { state: 'failed' }),
    );
  }

  private settleTransfer(operation: SimOperation, gateway: Gateway, context: AgentContext): void {
    const transfer = operation.transfer;
    if (transfer?.state === 'done') {
      operation.bytesDone = operation.sizeBytes;
      this.totals.bytesMoved += transfer.bytesTransferred;
      downloaded(operation, gateway, context);
    } else if (transfer?.state === 'failed') downloadFailed(operation, gateway, context);
  }

  private moveBytes(context: AgentContext, dtMs: number): { utilisationPercent: number; congestion: number } {
    const capacity = this.spec.model.network.uplinkMbps;
    // A resumable download is paused while its gateway is offline.
    const downloads = [...this.store.inFlight].filter((operation) => operation.state === 'downloading' && !operation.transfer && this.gatewayOf(operation).online);
    const flows = downloads.map((operation) => {
      const { traits } = this.gatewayOf(operation);
      return { capMbps: traits.linkMbps, weight: traits.congestionWeight };
    });
    const rates = allocateUplink(flows, capacity);
    downloads.forEach((operation, index) => {
      const bytes = Math.min(operation.sizeBytes - operation.bytesDone, (rates[index]! * BYTES_PER_MEGABIT * dtMs) / 1000);
      operation.bytesDone += bytes;
      this.totals.bytesMoved += bytes;
      if (operation.bytesDone >= operation.sizeBytes) downloaded(operation, this.gatewayOf(operation), context);
    });
    const used = rates.reduce((sum, rate) => sum + rate, 0);
    return { utilisationPercent: (100 * used) / capacity, congestion: congestion(flows, capacity) };
  }

  private exposeGateways(context: AgentContext, load: ManagementLoad, uplinkCongestion: number, dtMs: number): void {
    const { network, gateway: gatewayModel } = this.spec.model;
    const loadHazard = network.disconnectsPerHourPerOverload * load.overload + network.disconnectsPerHourPerCongestion * uplinkCongestion;
    for (const gateway of this.gateways) {
      gateway.powerStep(context.now - dtMs, gatewayModel, dtMs);
      if (gateway.dead && gateway.job) lostPower(gateway.job, gateway, context);
      const crashed = gateway.exposeToCrashes(this.crashesPerHour(gateway), dtMs);
      if (crashed && gateway.confirmUntilMs !== undefined && gateway.job) crashedOnProbation(gateway.job, gateway, context);
      const ownHazard = gateway.traits.flakyLink ? this.spec.profile.flakyLinks.disconnectsPerHour : network.baseDisconnectsPerHour;
      if (!gateway.exposeToDrops(ownHazard, loadHazard, dtMs)) continue;
      gateway.drop(context.now, network.reconnectDelayMs);
      const download = gateway.job?.state === 'downloading' && !gateway.job.transfer ? gateway.job : undefined;
      if (download?.resumableDownload) this.pauseDownload(download);
      else if (download) this.abandon(download, gateway, context, 'DOWNLOAD_INTERRUPTED');
    }
  }

  private crashesPerHour(gateway: Gateway): number {
    return this.firmwareCrashesPerHour(gateway) * this.flagCrashMultiplier(gateway);
  }

  private flagCrashMultiplier(gateway: Gateway): number {
    const bad = this.spec.profile.badFlag;
    if (!bad || gateway.flags[bad.flag] !== bad.value) return 1;
    const onRevision = bad.hardwareRevision === undefined || gateway.traits.device.attributes.hardwareRevision === bad.hardwareRevision;
    return onRevision ? bad.crashMultiplier : 1;
  }

  private firmwareCrashesPerHour(gateway: Gateway): number {
    const base = this.spec.model.gateway.baseCrashesPerHour;
    const bad = this.spec.profile.badFirmware;
    if (!bad || gateway.traits.device.attributes.hardwareRevision !== bad.hardwareRevision) return base;
    const runningBadImage = bad.version ? gateway.activeVersion === bad.version : gateway.activeVersion !== this.spec.firmwareVersion;
    return runningBadImage ? base * bad.crashMultiplier : base;
  }

  /** The stock agent wedges at the timeout; a resumable one gives up cleanly and is idle again. */
  private giveUpDownload(operation: SimOperation, gateway: Gateway, context: AgentContext): void {
    if (!operation.resumableDownload) return this.abandon(operation, gateway, context, 'DOWNLOAD_TIMEOUT');
    this.totals.bytesWasted += operation.bytesDone;
    downloadFailed(operation, gateway, context);
  }

  /** A dropped connection loses the chunk in transit: the download resumes from the last whole one. */
  private pauseDownload(operation: SimOperation): void {
    const chunk = this.spec.model.network.resumableChunkBytes;
    const kept = Math.floor(operation.bytesDone / chunk) * chunk;
    this.totals.bytesWasted += operation.bytesDone - kept;
    operation.bytesDone = kept;
  }

  private abandon(operation: SimOperation, gateway: Gateway, context: AgentContext, errorCode: string): void {
    this.totals.bytesWasted += operation.bytesDone;
    abandonDownload(operation, gateway, context, errorCode);
  }

  private gatewayOf(operation: SimOperation): Gateway {
    const gateway = this.byId.get(operation.deviceId);
    if (!gateway) throw new Error(`operation ${operation.operationId} names unknown gateway ${operation.deviceId}`);
    return gateway;
  }
}

const round = (value: number): number => Math.round(value * 10) / 10;
