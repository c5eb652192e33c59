import type { Device } from '../../src/engine/ports/fleetProvider';
import { pick, seededRandom } from '../../src/engine/model/seededRandom';

export const REGIONS = ['eu-west', 'us-east', 'ap-south'] as const;
export const HARDWARE_REVISIONS = ['rev-a', 'rev-b', 'rev-c'] as const;

export interface FleetShape {
  count: number;
  seed?: number;
  firmwareVersion?: string;
  /** Share of gateways with a battery (the rest are mains-powered). */
  batteryBackedShare?: number;
  /** Share of the fleet of each hardware revision (adding up to 1); without it the three are equally likely. */
  hardwareMix?: Readonly<Record<string, number>>;
}

/** A deterministic fleet of gateways: ids `gw-00001…`, attributes spread by the seed. */
export function generateDevices({ count, seed = 1, firmwareVersion = '1.0.0', batteryBackedShare = 0.2, hardwareMix }: FleetShape): Device[] {
  const random = seededRandom(seed);
  const revision = hardwareMix ? () => weightedPick(random(), hardwareMix) : () => pick(random, HARDWARE_REVISIONS);
  const width = Math.max(5, String(count).length);
  return Array.from({ length: count }, (_, index) => ({
    id: `gw-${String(index + 1).padStart(width, '0')}`,
    firmwareVersion,
    online: true,
    attributes: {
      region: pick(random, REGIONS),
      hardwareRevision: revision(),
      tags: [],
      batteryBacked: random() < batteryBackedShare,
    },
    flags: {},
  }));
}

/** The entry of `shares` whose cumulative range holds `draw` (one draw per device, as the equal pick takes). */
function weightedPick(draw: number, shares: Readonly<Record<string, number>>): string {
  const entries = Object.entries(shares);
  let cumulative = 0;
  for (const [name, share] of entries) {
    cumulative += share;
    if (draw < cumulative) return name;
  }
  return entries.at(-1)![0];
}
