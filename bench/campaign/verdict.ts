import type { DeviceDetail } from '../../src/adapters/deviceApi/deviceDetail';
import type { DeviceCounts } from '../../src/engine/model/status';
import type { OperationState } from '../../src/engine/ports/fleetProvider';
import type { CommandsResponse, DevicesResponse } from '../../rig/simulator/routes';

/** States after which commanding the device again is a new attempt, not a second copy of the last one. */
const RETRYABLE_AFTER: readonly OperationState[] = ['failed', 'rolled_back'];

export interface VerdictInput {
  targetVersion: string;
  /** The simulator's ground truth: what every gateway runs now. */
  gateways: Pick<DevicesResponse['devices'][number], 'deviceId' | 'firmwareVersion'>[];
  /** Every command the simulator received, in arrival order. */
  commands: CommandsResponse['commands'];
  /** The rollout's own account of each of its target devices (the worker's device API). */
  account: Pick<DeviceDetail, 'deviceId' | 'state'>[];
  /** The rollout's counts at its end, over every stage. */
  counts: DeviceCounts;
}

export interface Verdict {
  /** Devices sent an update that the simulator applied while their previous update still ran or had succeeded, or a key it applied twice. */
  duplicates: string[];
  /** Targets not on the new firmware that the rollout accounts for in no final state (still pending). */
  lost: string[];
  /** Targets whose account contradicts the simulator: succeeded but not on the new firmware, or on it but not succeeded. */
  mismatches: string[];
  /** Differences between the rollout's counts and the simulator, e.g. `succeeded: 998 reported, 997 on 2.0.0`. */
  countMismatches: string[];
  targets: number;
  updated: number;
}

/** Judges a rollout by the simulator's ground truth, device by device. */
export function judge({ targetVersion, gateways, commands, account, counts }: VerdictInput): Verdict {
  const runs = new Map(gateways.map((gateway) => [gateway.deviceId, gateway.firmwareVersion]));
  const onTarget = (deviceId: string) => runs.get(deviceId) === targetVersion;
  const mismatches = account.filter(({ deviceId, state }) => (state === 'succeeded') !== onTarget(deviceId)).map(({ deviceId }) => deviceId);
  const lost = account.filter(({ deviceId, state }) => state === 'pending' && !onTarget(deviceId)).map(({ deviceId }) => deviceId);
  const updated = account.filter(({ deviceId }) => onTarget(deviceId)).length;
  const countMismatches = [
    ...(counts.succeeded === updated ? [] : [`succeeded: ${counts.succeeded} reported, ${updated} of the targets on ${targetVersion}`]),
    ...(total(counts) === account.length ? [] : [`devices: ${total(counts)} counted, ${account.length} targets`]),
  ];
  return { duplicates: duplicatedDevices(commands), lost, mismatches, countMismatches, targets: account.length, updated };
}

function duplicatedDevices(commands: CommandsResponse['commands']): string[] {
  const applied = commands.filter((command) => command.kind === 'update' && !command.duplicate);
  const keys = new Set<string>();
  const devices = new Set<string>();
  for (const command of applied) {
    const appliedAgain = command.previousState !== undefined && !RETRYABLE_AFTER.includes(command.previousState);
    if (keys.has(command.idempotencyKey) || appliedAgain) devices.add(command.deviceId);
    keys.add(command.idempotencyKey);
  }
  return [...devices];
}

const total = (counts: DeviceCounts): number => Object.values(counts).reduce((sum, count) => sum + count, 0);
