import { z } from 'zod';

/** `[min, max]`: each gateway draws its own value from the range, once, from the seed. */
const Range = z.tuple([z.number().nonnegative(), z.number().nonnegative()]).refine(([min, max]) => min <= max, 'min must not exceed max');
export type Range = z.infer<typeof Range>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * The device-management service. Its CPU is a linear function of the operations it tracks; the seed
 * puts its limit at "about 50 concurrent operations", so base + 50 × per-operation = 100 %.
 */
export const ManagementModel = z.object({
  /** Connections, keepalives and telemetry of an idle fleet. */
  baseCpuPercent: z.number().nonnegative().default(10),
  cpuPercentPerOperation: z.number().nonnegative().default(1.8),
  /** One API request on an idle service, in plan ms; under load it waits `service / (1 − cpu)`. */
  requestServiceMs: z.number().positive().default(200),
  /** A request that would wait longer than this is refused with 429. */
  requestTimeoutMs: z.number().positive().default(30_000),
  /** What a refused client is told to wait (Retry-After), in plan ms. */
  retryAfterMs: z.number().positive().default(MINUTE),
  /** The seed's operation timeout: an operation still queued or downloading after this fails. */
  operationTimeoutMs: z.number().positive().default(30 * MINUTE),
});
export type ManagementModel = z.infer<typeof ManagementModel>;

/** The shared uplink between the firmware repository and the fleet, and what congestion does to connections. */
export const NetworkModel = z.object({
  uplinkMbps: z.number().positive().default(200),
  /** The seed's "5–8 minutes per gateway" for 150 MB. */
  linkMbps: Range.default([2.5, 4]),
  /** A gateway's share of a congested uplink relative to others (RTT and loss differ per site). */
  congestionWeight: Range.default([0.5, 1.5]),
  baseDisconnectsPerHour: z.number().nonnegative().default(0.002),
  /** Added per unit of management overload, `cpu demand / capacity − 1`. */
  disconnectsPerHourPerOverload: z.number().nonnegative().default(0.5),
  /** Added per unit of uplink congestion, `demanded / capacity − 1`. */
  disconnectsPerHourPerCongestion: z.number().nonnegative().default(0.5),
  /** A dropped gateway tries again after this; it gets in only while the service is not saturated. */
  reconnectDelayMs: Range.default([1 * MINUTE, 10 * MINUTE]),
  /** The chunk of a resumable download (the artifact server's `firmware.download.chunk_size`): a drop loses the one in transit. */
  resumableChunkBytes: z.number().int().positive().default(5 * 1024 * 1024),
  /** Vitals report connectivity unstable for this long after a drop. */
  unstableAfterDropMs: z.number().nonnegative().default(30 * MINUTE),
});
export type NetworkModel = z.infer<typeof NetworkModel>;

/** How battery-backed gateways charge (`docs/SIMULATOR.md`, "Batteries"). */
export const PowerModel = z.object({
  /** Of the battery-backed gateways, this share runs off-grid on solar; the rest are on mains. */
  solarShare: z.number().min(0).max(1).default(0.3),
  /** A mains charger refills an empty backup battery in 10 h (the UPS rule: recharge takes ~10× the discharge). */
  mainsChargePercentPerHour: z.number().nonnegative().default(10),
  /** The panel's charge at solar noon on a clear day: sized for 3× the idle gateway's daily consumption. */
  solarPeakChargePercentPerHour: z.number().nonnegative().default(5),
  /** Sunrise and sunset, local hours (the equinox: 12 h of daylight). */
  daylightHours: z.tuple([z.number().min(0).max(24), z.number().min(0).max(24)]).refine(([rise, set]) => rise < set, 'sunrise must come before sunset').default([6, 18]),
  /** Local time of day at plan time 0, at every site. */
  startHourOfDay: z.number().min(0).lt(24).default(9),
});
export type PowerModel = z.infer<typeof PowerModel>;

/** A gateway and its update agent (A/B image slots, boot counter, health confirmation). */
export const GatewayModel = z.object({
  verifyMs: Range.default([20_000, 40_000]),
  installMs: Range.default([120_000, 210_000]),
  rebootMs: Range.default([60_000, 90_000]),
  /** A new image must run this long without a crash to be committed; a crash inside it rolls back. */
  confirmWindowMs: z.number().positive().default(3 * MINUTE),
  baseCrashesPerHour: z.number().nonnegative().default(0.01),
  /**
   * How long each gateway has run its image when the simulation starts, its crashes on it drawn at the base
   * rate: a fleet is not switched on the moment a rollout begins, and its baseline is read from this history.
   */
  firmwareAgeMs: Range.default([7 * DAY, 90 * DAY]),
  cpuPercent: Range.default([5, 30]),
  /** Extra CPU while verifying or installing an image. */
  updateCpuPercent: z.number().nonnegative().default(40),
  diskFreeMb: Range.default([1000, 4000]),
  batteryPercent: Range.default([60, 100]),
  /** What the gateway draws from its battery when nothing else powers it: idle, and while updating. */
  idleDrainPercentPerHour: z.number().nonnegative().default(0.5),
  activeDrainPercentPerHour: z.number().nonnegative().default(3),
  power: PowerModel.prefault({}),
  /** Flashing below this battery level browns the gateway out: it is dead until someone charges it. */
  brownoutBatteryPercent: z.number().min(0).max(100).default(30),
});
export type GatewayModel = z.infer<typeof GatewayModel>;

export const SimulationModel = z.object({
  management: ManagementModel.prefault({}),
  network: NetworkModel.prefault({}),
  gateway: GatewayModel.prefault({}),
});
export type SimulationModel = z.infer<typeof SimulationModel>;
export type SimulationModelInput = z.input<typeof SimulationModel>;

export const DEFAULT_MODEL: SimulationModel = SimulationModel.parse({});

export const TIME = { MINUTE, HOUR } as const;
