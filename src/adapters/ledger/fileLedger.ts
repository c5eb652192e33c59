import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeviceOutcome } from '../../engine/model/status';
import type { FirmwareQuarantine } from '../../engine/model/policy/quarantine';
import type { CatchUpDevice, HealthReading, Ledger, StageTargets, TargetDevice } from '../../engine/ports/ledger';

/**
 * A ledger in plain files, one folder per rollout: `targets.json` and each `catch-up-<round>.json`
 * written once (atomically), `outcomes.jsonl` and `withdrawn.txt` appended. Embedded and
 * dependency-free; survives worker restarts.
 */
export class FileLedger implements Ledger {
  private readonly targetsCache = new Map<string, StageTargets[]>();

  constructor(private readonly directory: string) {}

  async saveTargets(rolloutId: string, stages: StageTargets[]): Promise<StageTargets[]> {
    const existing = await this.readTargets(rolloutId);
    if (existing) return existing;
    await writeAtomically(this.targetsFile(rolloutId), stages);
    this.targetsCache.set(rolloutId, stages);
    return stages;
  }

  async saveCatchUpRound(rolloutId: string, round: number, devices: CatchUpDevice[]): Promise<CatchUpDevice[]> {
    const existing = await this.readCatchUpRound(rolloutId, round);
    if (existing) return existing;
    await writeAtomically(this.catchUpRoundFile(rolloutId, round), devices);
    return devices;
  }

  async catchUpRoundDevices(rolloutId: string, round: number, offset: number, limit: number): Promise<CatchUpDevice[]> {
    const devices = await this.readCatchUpRound(rolloutId, round);
    if (!devices) throw new Error(`ledger has no catch-up round ${round} for rollout ${rolloutId}`);
    return devices.slice(offset, offset + limit);
  }

  async stageDevices(rolloutId: string, stageIndex: number, offset: number, limit: number): Promise<TargetDevice[]> {
    const stage = (await this.requireTargets(rolloutId))[stageIndex];
    if (!stage) throw new Error(`ledger has no stage ${stageIndex} for rollout ${rolloutId}`);
    return stage.devices.slice(offset, offset + limit);
  }

  async targets(rolloutId: string): Promise<Map<string, TargetDevice & { stage: string }>> {
    const stages = await this.requireTargets(rolloutId);
    return new Map(stages.flatMap(({ stage, devices }) => devices.map((device) => [device.id, { ...device, stage }] as const)));
  }

  async recordOutcomes(rolloutId: string, outcomes: DeviceOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const file = this.outcomesFile(rolloutId);
    await mkdir(path.dirname(file), { recursive: true });
    await appendFile(file, outcomes.map((outcome) => JSON.stringify(outcome)).join('\n') + '\n');
  }

  async outcomes(rolloutId: string): Promise<DeviceOutcome[]> {
    const text = await readFile(this.outcomesFile(rolloutId), 'utf8').catch(ifMissing(''));
    const latest = new Map<string, DeviceOutcome>();
    for (const line of text.split('\n')) {
      if (!line) continue;
      const outcome = JSON.parse(line) as DeviceOutcome;
      latest.set(outcome.deviceId, outcome);
    }
    return [...latest.values()];
  }

  async withdraw(rolloutId: string, deviceIds: string[]): Promise<void> {
    if (deviceIds.length === 0) return;
    const file = this.withdrawnFile(rolloutId);
    await mkdir(path.dirname(file), { recursive: true });
    await appendFile(file, deviceIds.join('\n') + '\n');
  }

  async withdrawn(rolloutId: string): Promise<Set<string>> {
    const text = await readFile(this.withdrawnFile(rolloutId), 'utf8').catch(ifMissing(''));
    return new Set(text.split('\n').filter(Boolean));
  }

  async saveReadings(rolloutId: string, readings: HealthReading[]): Promise<void> {
    if (readings.length === 0) return;
    const latest = await this.readReadings(rolloutId);
    for (const reading of readings) latest.set(reading.deviceId, reading);
    await writeAtomically(this.readingsFile(rolloutId), [...latest.values()]);
  }

  async readings(rolloutId: string, deviceIds: string[]): Promise<Map<string, HealthReading>> {
    const latest = await this.readReadings(rolloutId);
    return new Map(deviceIds.flatMap((deviceId) => {
      const reading = latest.get(deviceId);
      return reading ? [[deviceId, reading] as const] : [];
    }));
  }

  private async readReadings(rolloutId: string): Promise<Map<string, HealthReading>> {
    const text = await readFile(this.readingsFile(rolloutId), 'utf8').catch(ifMissing('[]'));
    return new Map((JSON.parse(text) as HealthReading[]).map((reading) => [reading.deviceId, reading]));
  }

  private readingsFile(rolloutId: string): string {
    return path.join(this.directory, rolloutId, 'readings.json');
  }

  async quarantine(record: FirmwareQuarantine): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    await appendFile(this.quarantineFile(), JSON.stringify(record) + '\n');
  }

  async quarantined(): Promise<FirmwareQuarantine[]> {
    const text = await readFile(this.quarantineFile(), 'utf8').catch(ifMissing(''));
    return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as FirmwareQuarantine);
  }

  private quarantineFile(): string {
    return path.join(this.directory, 'quarantined-firmware.jsonl');
  }

  private async requireTargets(rolloutId: string): Promise<StageTargets[]> {
    const targets = await this.readTargets(rolloutId);
    if (!targets) throw new Error(`ledger has no targets for rollout ${rolloutId}`);
    return targets;
  }

  private async readTargets(rolloutId: string): Promise<StageTargets[] | undefined> {
    const cached = this.targetsCache.get(rolloutId);
    if (cached) return cached;
    const text = await readFile(this.targetsFile(rolloutId), 'utf8').catch(ifMissing(undefined));
    if (text === undefined) return undefined;
    const targets = JSON.parse(text) as StageTargets[];
    this.targetsCache.set(rolloutId, targets);
    return targets;
  }

  private async readCatchUpRound(rolloutId: string, round: number): Promise<CatchUpDevice[] | undefined> {
    const text = await readFile(this.catchUpRoundFile(rolloutId, round), 'utf8').catch(ifMissing(undefined));
    return text === undefined ? undefined : (JSON.parse(text) as CatchUpDevice[]);
  }

  private catchUpRoundFile(rolloutId: string, round: number): string {
    return path.join(this.directory, rolloutId, `catch-up-${round}.json`);
  }

  private targetsFile(rolloutId: string): string {
    return path.join(this.directory, rolloutId, 'targets.json');
  }

  private withdrawnFile(rolloutId: string): string {
    return path.join(this.directory, rolloutId, 'withdrawn.txt');
  }

  private outcomesFile(rolloutId: string): string {
    return path.join(this.directory, rolloutId, 'outcomes.jsonl');
  }
}

/** Whole or not at all: a reader never sees half a file. */
async function writeAtomically(file: string, value: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(value));
  await rename(temporary, file);
}

function ifMissing<T>(fallback: T): (error: NodeJS.ErrnoException) => T {
  return (error) => {
    if (error.code === 'ENOENT') return fallback;
    throw error;
  };
}
