import { generateDevices } from '../fleet/generateDevices';
import type { Device } from '../../src/engine/ports/fleetProvider';
import type { PowerSource } from './battery';
import { TIME, type SimulationModel, type Range } from './model';
import type { FailureProfile } from './profiles';
import { poisson, stream, uniform, type Random } from './random';

/** What a gateway is, fixed for the whole run: drawn once from the seed. */
export interface GatewayTraits {
  device: Device;
  linkMbps: number;
  congestionWeight: number;
  baseCpuPercent: number;
  diskFreeMb: number;
  /** Null for mains-powered gateways. */
  batteryPercent: number | null;
  /** What charges the battery; null without one. */
  powerSource: PowerSource | null;
  flakyLink: boolean;
  /** Plan time at which a gateway that starts offline comes back; undefined when it starts online. */
  offlineUntilMs: number | undefined;
  verifyMs: number;
  installMs: number;
  rebootMs: number;
  /** How long the gateway had run its image before plan time 0, and its crashes on it. */
  firmwareAgeMs: number;
  crashesOnFirmware: number;
}

export interface FleetSpec {
  devices: number;
  seed: number;
  firmwareVersion: string;
  model: SimulationModel;
  profile: FailureProfile;
}

/** The fleet's gateways; which ones are flaky, low or offline is an exact share, chosen by the seed. */
export function generateGateways({ devices: count, seed, firmwareVersion, model, profile }: FleetSpec): GatewayTraits[] {
  const devices = generateDevices({ count, seed, firmwareVersion, ...(profile.hardwareMix && { hardwareMix: profile.hardwareMix }) });
  const flaky = chosen(devices.map((device) => device.id), profile.flakyLinks.share, stream(seed, 'flaky'));
  const batteryBacked = devices.filter((device) => device.attributes.batteryBacked).map((device) => device.id);
  const lowBattery = chosen(batteryBacked, profile.lowBatteries.share, stream(seed, 'low-battery'));
  const solar = chosen(batteryBacked, model.gateway.power.solarShare, stream(seed, 'solar'));
  const offline = chosen(devices.map((device) => device.id), profile.offlineDevices.share, stream(seed, 'offline'));
  const { gateway, network } = model;

  return devices.map((device) => {
    const random = stream(seed, device.id, 'traits');
    const draw = (range: Range) => uniform(random, range[0], range[1]);
    const linkMbps = draw(network.linkMbps) * (flaky.has(device.id) ? profile.flakyLinks.linkFactor : 1);
    const battery = lowBattery.has(device.id) ? draw(profile.lowBatteries.batteryPercent) : draw(gateway.batteryPercent);
    const offlineFor = draw(profile.offlineDevices.offlineForMs);
    // A stream of its own: the history leaves every other draw, and so the calibrated bulk behaviour, as it was.
    const history = stream(seed, device.id, 'history');
    const firmwareAgeMs = uniform(history, gateway.firmwareAgeMs[0], gateway.firmwareAgeMs[1]);
    return {
      device: { ...device, online: !offline.has(device.id) },
      linkMbps,
      congestionWeight: draw(network.congestionWeight),
      baseCpuPercent: Math.round(draw(gateway.cpuPercent)),
      diskFreeMb: Math.round(draw(gateway.diskFreeMb)),
      batteryPercent: device.attributes.batteryBacked ? battery : null,
      powerSource: device.attributes.batteryBacked ? (solar.has(device.id) ? 'solar' : 'mains') : null,
      flakyLink: flaky.has(device.id),
      offlineUntilMs: offline.has(device.id) ? offlineFor : undefined,
      verifyMs: draw(gateway.verifyMs),
      installMs: draw(gateway.installMs),
      rebootMs: draw(gateway.rebootMs),
      firmwareAgeMs,
      crashesOnFirmware: poisson(history, (gateway.baseCrashesPerHour * firmwareAgeMs) / TIME.HOUR),
    };
  });
}

/** `round(share × ids)` of the ids, picked by a seeded shuffle. */
function chosen(ids: string[], share: number, random: Random): Set<string> {
  const shuffled = [...ids];
  for (let index = shuffled.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [shuffled[index], shuffled[other]] = [shuffled[other]!, shuffled[index]!];
  }
  return new Set(shuffled.slice(0, Math.round(share * ids.length)));
}
