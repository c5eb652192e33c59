import type { Device, DeviceFlags, FlagState, Health, Vitals } from '../../src/engine/ports/fleetProvider';
import { consumptionPercentPerHour, nextBatteryPercent } from './battery';
import type { GatewayModel } from './model';
import { TIME } from './model';
import type { SimOperation } from './operations';
import { exponential, stream, uniform, type Random } from './random';
import type { GatewayTraits } from './traits';

/** Why a gateway is not connected: away by profile, dropped by the network, rebooting, or dead. */
export type OfflineReason = 'absent' | 'dropped' | 'rebooting' | 'dead';

/** `wedged`: the update agent was left mid-update and refuses new updates until someone resets it. */
export type AgentState = 'idle' | 'busy' | 'wedged';

export type Activity = 'idle' | 'downloading' | 'verifying' | 'installing' | 'rebooting';

/**
 * One gateway: two image slots, a connection, an update agent, a battery and a crash counter.
 * Random events (drops, crashes) come from hazard clocks on the gateway's own streams, so they
 * happen at the same accumulated hazard whatever the strategy.
 */
export class Gateway {
  readonly id: string;
  activeVersion: string;
  previousVersion: string | undefined = undefined;
  offline: { reason: OfflineReason; returnAtMs: number | undefined } | undefined;
  /** The operation the update agent is working on. */
  job: SimOperation | undefined = undefined;
  /** Left mid-update by an operation the service gave up on; only a person resets it. */
  wedged = false;
  activity: Activity = 'idle';
  batteryPercent: number | null;
  diskFreeMb: number;
  /** When the running image was activated: crashes and firmware uptime count from there. */
  firmwareSinceMs: number;
  crashCount: number;
  /** Feature flags as the gateway applied them; its firmware treats an absent flag as off. */
  flags: DeviceFlags = {};
  /** When the gateway last changed its flags or activated its image, whichever is later. */
  flagsSinceMs: number;
  /** Crashes since `flagsSinceMs`. */
  flagCrashCount: number;
  /** While set, the running image is on probation: a crash before this time rolls it back. */
  confirmUntilMs: number | undefined = undefined;
  lastDropAtMs: number | undefined = undefined;
  disconnections = 0;
  /** Drops caused by the service's overload or the uplink's congestion, not by the gateway's own link. */
  loadDisconnections = 0;

  private readonly ownDrops: HazardClock;
  private readonly loadDrops: HazardClock;
  private readonly crashes: HazardClock;
  private readonly reconnectRandom: Random;

  constructor(
    readonly traits: GatewayTraits,
    seed: number,
  ) {
    this.id = traits.device.id;
    this.activeVersion = traits.device.firmwareVersion;
    this.batteryPercent = traits.batteryPercent;
    this.diskFreeMb = traits.diskFreeMb;
    this.firmwareSinceMs = -traits.firmwareAgeMs;
    this.crashCount = traits.crashesOnFirmware;
    this.flagsSinceMs = this.firmwareSinceMs;
    this.flagCrashCount = this.crashCount;
    this.offline = traits.offlineUntilMs === undefined ? undefined : { reason: 'absent', returnAtMs: traits.offlineUntilMs };
    this.ownDrops = new HazardClock(stream(seed, this.id, 'own-drop'));
    this.loadDrops = new HazardClock(stream(seed, this.id, 'load-drop'));
    this.crashes = new HazardClock(stream(seed, this.id, 'crash'));
    this.reconnectRandom = stream(seed, this.id, 'reconnect');
  }

  get online(): boolean {
    return this.offline === undefined;
  }

  get dead(): boolean {
    return this.offline?.reason === 'dead';
  }

  get agent(): AgentState {
    if (this.wedged) return 'wedged';
    return this.job ? 'busy' : 'idle';
  }

  device(): Device {
    return { ...structuredClone(this.traits.device), firmwareVersion: this.activeVersion, online: this.online, flags: { ...this.flags } };
  }

  flagState(now: number): FlagState {
    return {
      deviceId: this.id,
      online: this.online,
      flags: { ...this.flags },
      crashCount: this.flagCrashCount,
      flagsUptimeSeconds: Math.max(0, Math.round((now - this.flagsSinceMs) / 1000)),
    };
  }

  /** The firmware reads its configuration again: crashes from now on count against the new flags. A value it already has changes nothing. */
  applyFlag(flag: string, value: boolean, now: number): void {
    if (this.flags[flag] === value) return;
    this.flags = { ...this.flags, [flag]: value };
    this.flagsSinceMs = now;
    this.flagCrashCount = 0;
  }

  vitals(now: number, model: GatewayModel, unstableAfterDropMs: number): Vitals {
    const updating = this.activity === 'verifying' || this.activity === 'installing';
    const recentlyDropped = this.lastDropAtMs !== undefined && now - this.lastDropAtMs < unstableAfterDropMs;
    return {
      deviceId: this.id,
      online: this.online,
      cpuPercent: this.traits.baseCpuPercent + (updating ? model.updateCpuPercent : 0),
      diskFreeMb: Math.round(this.diskFreeMb),
      batteryPercent: this.batteryPercent === null ? null : Math.round(this.batteryPercent),
      connectivityStable: this.online && !this.traits.flakyLink && !recentlyDropped,
      criticalProcesses: [],
    };
  }

  health(now: number, model: GatewayModel): Health {
    return {
      deviceId: this.id,
      online: this.online,
      firmwareVersion: this.activeVersion,
      crashCount: this.crashCount,
      firmwareUptimeSeconds: Math.max(0, Math.round((now - this.firmwareSinceMs) / 1000)),
      batteryDrainPercentPerHour: this.batteryPercent === null ? null : this.drainPercentPerHour(model),
    };
  }

  /**
   * Exposes the connection to its own link's hazard and to the load's; true when it drops in this
   * step. The two are separate processes so that a drop can be blamed on one of them.
   */
  exposeToDrops(ownPerHour: number, loadPerHour: number, dtMs: number): boolean {
    if (!this.online) return false;
    const byOwnLink = this.ownDrops.spend(ownPerHour, dtMs);
    const byLoad = this.loadDrops.spend(loadPerHour, dtMs);
    if (byLoad) this.loadDisconnections += 1;
    return byOwnLink || byLoad;
  }

  /** True when the running image crashes in this step. */
  exposeToCrashes(crashesPerHour: number, dtMs: number): boolean {
    if (this.dead || this.activity === 'rebooting') return false;
    if (!this.crashes.spend(crashesPerHour, dtMs)) return false;
    this.crashCount += 1;
    this.flagCrashCount += 1;
    return true;
  }

  drop(now: number, reconnectDelayMs: readonly [number, number]): void {
    this.offline = { reason: 'dropped', returnAtMs: now + uniform(this.reconnectRandom, reconnectDelayMs[0], reconnectDelayMs[1]) };
    this.lastDropAtMs = now;
    this.disconnections += 1;
  }

  /** Whether an offline gateway is due to try to connect again. */
  dueToReconnect(now: number): boolean {
    const returnAt = this.offline?.returnAtMs;
    return returnAt !== undefined && returnAt <= now;
  }

  reconnect(): void {
    this.offline = undefined;
  }

  startReboot(now: number, rebootMs: number): void {
    this.activity = 'rebooting';
    this.offline = { reason: 'rebooting', returnAtMs: now + rebootMs };
  }

  /** Boots `version` from the other slot, on probation until `confirmUntilMs`. */
  bootNewImage(version: string, now: number, confirmUntilMs: number): void {
    this.previousVersion = this.activeVersion;
    this.activeVersion = version;
    this.confirmUntilMs = confirmUntilMs;
    this.activated(now);
  }

  /** Swaps the slots back: the bootloader's rollback, or an operator's rollback command. */
  bootPreviousImage(now: number): void {
    if (this.previousVersion === undefined) throw new Error(`${this.id} has no previous image`);
    [this.activeVersion, this.previousVersion] = [this.previousVersion, this.activeVersion];
    this.confirmUntilMs = undefined;
    this.activated(now);
  }

  die(): void {
    this.offline = { reason: 'dead', returnAtMs: undefined };
    this.activity = 'idle';
  }

  /** Charges or drains the battery over a step (`battery.ts`); a gateway whose battery runs empty dies. */
  powerStep(now: number, model: GatewayModel, dtMs: number): void {
    const source = this.traits.powerSource;
    if (this.batteryPercent === null || source === null || this.dead) return;
    this.batteryPercent = nextBatteryPercent(this.batteryPercent, source, this.activity !== 'idle', now, dtMs, model);
    if (this.batteryPercent === 0) this.die();
  }

  private drainPercentPerHour(model: GatewayModel): number {
    return consumptionPercentPerHour(this.activity !== 'idle', model);
  }

  private activated(now: number): void {
    this.firmwareSinceMs = now;
    this.crashCount = 0;
    this.flagsSinceMs = now;
    this.flagCrashCount = 0;
  }
}

/** A Poisson process: each event spends an exponential budget of accumulated hazard. */
class HazardClock {
  private budget: number;

  constructor(private readonly random: Random) {
    this.budget = exponential(random);
  }

  spend(perHour: number, dtMs: number): boolean {
    this.budget -= (perHour * dtMs) / TIME.HOUR;
    if (this.budget > 0) return false;
    this.budget = exponential(this.random);
    return true;
  }
}
