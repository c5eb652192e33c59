import { settleBatch } from './gates';
import { emptyCounts, type DeviceCounts, type DeviceOutcome } from './status';

/**
 * A batch's devices by outcome, each counted once. A device the fleet reported succeeded at the batch
 * timeout is heard again when its attempt ends; that may refine its outcome (the attempts it took),
 * never change its state, so the counts the gate judged and the outcome recorded stay one.
 */
export class BatchOutcomes {
  counts: DeviceCounts;
  private updating: readonly string[] = [];
  private readonly byDevice = new Map<string, DeviceOutcome>();

  constructor(devices: number) {
    this.counts = emptyCounts(devices);
  }

  /** Every device's outcome as counted, in the order they ended. */
  get outcomes(): DeviceOutcome[] {
    return [...this.byDevice.values()];
  }

  /** The devices preflight let through: those whose update may end. */
  updatingDevices(deviceIds: readonly string[]): void {
    this.updating = deviceIds;
  }

  /** Of the devices being updated, those not heard to end yet. */
  unheard(): string[] {
    return this.updating.filter((deviceId) => !this.byDevice.has(deviceId));
  }

  heard(outcomes: readonly DeviceOutcome[]): void {
    for (const outcome of outcomes) {
      const counted = this.byDevice.get(outcome.deviceId);
      if (counted && counted.state !== outcome.state) continue;
      this.byDevice.set(outcome.deviceId, outcome);
      if (!counted) this.counts = settleBatch(this.counts, { ...emptyCounts(), [outcome.state]: 1 });
    }
  }
}
