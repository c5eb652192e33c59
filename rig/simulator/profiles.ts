import { z } from 'zod';
import { TIME } from './model';

/**
 * What is wrong with a fleet before anyone touches it. Shares are of the whole fleet, except
 * low batteries, which are a share of the battery-backed gateways.
 */
export const FailureProfile = z.object({
  flakyLinks: z
    .object({
      share: z.number().min(0).max(1).default(0),
      disconnectsPerHour: z.number().nonnegative().default(1),
      /** A flaky link's bandwidth relative to a healthy one. */
      linkFactor: z.number().positive().max(1).default(0.5),
    })
    .prefault({}),
  lowBatteries: z
    .object({
      share: z.number().min(0).max(1).default(0),
      batteryPercent: z.tuple([z.number().min(0), z.number().max(100)]).default([10, 40]),
    })
    .prefault({}),
  offlineDevices: z
    .object({
      share: z.number().min(0).max(1).default(0),
      /** Each offline gateway comes back by itself after a time drawn from this range. */
      offlineForMs: z.tuple([z.number().nonnegative(), z.number().nonnegative()]).default([1 * TIME.HOUR, 12 * TIME.HOUR]),
    })
    .prefault({}),
  /** The new firmware crashes more often on one hardware revision. */
  badFirmware: z
    .object({
      hardwareRevision: z.string(),
      crashMultiplier: z.number().min(1),
      /** The bad version; any version other than the fleet's initial one when absent. */
      version: z.string().optional(),
    })
    .optional(),
  /** A feature flag whose value makes the firmware crash more often, on one hardware revision or on all. */
  badFlag: z
    .object({
      flag: z.string().min(1),
      value: z.boolean().default(true),
      hardwareRevision: z.string().optional(),
      crashMultiplier: z.number().min(1),
    })
    .optional(),
  /** Chance that flashing an image fails outright (the gateway stays on its image). */
  installFailureProbability: z.number().min(0).max(1).default(0),
  /** Share of the fleet of each hardware revision; absent: rev-a, rev-b and rev-c equally likely. A fleet description, the same for every strategy. */
  hardwareMix: z
    .record(z.string().min(1), z.number().min(0).max(1))
    .refine((mix) => Math.abs(Object.values(mix).reduce((total, share) => total + share, 0) - 1) < 1e-9, 'the shares must add up to 1, e.g. { rev-a: 0.67, rev-b: 0.33 }')
    .optional(),
});
export type FailureProfile = z.infer<typeof FailureProfile>;
export type FailureProfileInput = z.input<typeof FailureProfile>;

const FIELD: FailureProfileInput = {
  flakyLinks: { share: 0.04 },
  lowBatteries: { share: 0.25 },
  offlineDevices: { share: 0.02 },
  installFailureProbability: 0.01,
};

/**
 * Named profiles. `field` is a fleet as operators find it (a few flaky links, low batteries and
 * offline gateways), chosen before any benchmark ran; the others isolate one problem each.
 */
export const PROFILES = {
  clean: {},
  field: FIELD,
  'bad-firmware': { ...FIELD, badFirmware: { hardwareRevision: 'rev-b', crashMultiplier: 1000 } },
  /** The safety benchmark's realistic regression: 4× the crashes on rev-b (a third of the fleet unless hardwareMix says otherwise). */
  'regression-4x': { ...FIELD, badFirmware: { hardwareRevision: 'rev-b', crashMultiplier: 4 } },
  /** A flag that, switched on, crashes rev-b gateways 1000× as often: for flag rollouts' health triggers. */
  'bad-flag': { ...FIELD, badFlag: { flag: 'new_sensor_algorithm', hardwareRevision: 'rev-b', crashMultiplier: 1000 } },
  'flaky-links': { flakyLinks: { share: 0.2 } },
  'low-batteries': { lowBatteries: { share: 0.5 } },
  'offline-devices': { offlineDevices: { share: 0.1 } },
} as const satisfies Record<string, FailureProfileInput>;

export type ProfileName = keyof typeof PROFILES;
export const PROFILE_NAMES = Object.keys(PROFILES) as [ProfileName, ...ProfileName[]];

export const profileNamed = (name: ProfileName): FailureProfile => FailureProfile.parse(PROFILES[name]);
