import { z } from 'zod';
import type { Device, DeviceAttributes } from '../ports/fleetProvider';

/** 002's rings, most risk-tolerant first. */
export const RINGS = ['internal', 'alpha', 'beta', 'production'] as const;

/** A ring's place in RINGS; -1 for a ring 002 does not name. */
export const ringRank = (ring: string): number => (RINGS as readonly string[]).indexOf(ring);

/** 002: production is "all remaining devices", so a device without a ring is in it. */
export const ringOf = (attributes: DeviceAttributes): string => attributes.ring ?? 'production';

const OneOrMany = z
  .union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: 'write a value or a list of values, e.g. "eu-west" or ["eu-west", "eu-north"]' })
  .transform((value) => (typeof value === 'string' ? [value] : value));

/** Devices by attribute. Each field a device must match; a list matches any of its values; an empty selector matches all. */
export const CohortSelector = z
  .object({
    ring: OneOrMany.optional(),
    region: OneOrMany.optional(),
    hardwareRevision: OneOrMany.optional(),
    tags: z
      .object({
        any: z.array(z.string().min(1)).min(1).optional(),
        all: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict()
      .optional(),
    batteryBacked: z.boolean().optional(),
  })
  .strict();
export type CohortSelector = z.infer<typeof CohortSelector>;

const isOneOf = (value: string, allowed: readonly string[] | undefined): boolean => !allowed || allowed.includes(value);

export function matches({ attributes }: Pick<Device, 'attributes'>, selector: CohortSelector): boolean {
  const { tags } = attributes;
  return (
    isOneOf(ringOf(attributes), selector.ring) &&
    isOneOf(attributes.region, selector.region) &&
    isOneOf(attributes.hardwareRevision, selector.hardwareRevision) &&
    (selector.tags?.any?.some((tag) => tags.includes(tag)) ?? true) &&
    (selector.tags?.all?.every((tag) => tags.includes(tag)) ?? true) &&
    (selector.batteryBacked === undefined || attributes.batteryBacked === selector.batteryBacked)
  );
}

export const CohortDimension = z.enum(['ring', 'region', 'hardwareRevision', 'batteryBacked']);
export type CohortDimension = z.infer<typeof CohortDimension>;

/** What "failures by cohort" groups by; 002's selective rollback targets "specific hardware revision, region". */
export const CohortDimensions = z
  .array(CohortDimension)
  .min(1)
  .refine((dimensions) => new Set(dimensions).size === dimensions.length, { message: 'list each dimension once' })
  .default(['hardwareRevision', 'region']);
export type CohortDimensions = z.infer<typeof CohortDimensions>;

export interface Cohort {
  ring?: string;
  region?: string;
  hardwareRevision?: string;
  batteryBacked?: boolean;
}

export function cohortOf({ attributes }: Pick<Device, 'attributes'>, dimensions: CohortDimensions): Cohort {
  const values: Required<Cohort> = {
    ring: ringOf(attributes),
    region: attributes.region,
    hardwareRevision: attributes.hardwareRevision,
    batteryBacked: attributes.batteryBacked,
  };
  return Object.fromEntries(dimensions.map((dimension) => [dimension, values[dimension]]));
}

/**
 * A plain string (a record key in JSON reports), the same for equal cohorts whatever their key order, e.g.
 * `region=eu-west,hardwareRevision=rev-b`. Values are URI-encoded so that a "," or "=" in one cannot merge two cohorts.
 */
export function cohortKey(cohort: Cohort): string {
  return CohortDimension.options
    .filter((dimension) => cohort[dimension] !== undefined)
    .map((dimension) => `${dimension}=${encodeURIComponent(String(cohort[dimension]))}`)
    .join(',');
}

/** The selector for exactly this cohort, e.g. to roll back only the cohort a report shows failing. */
export function cohortSelector({ ring, region, hardwareRevision, batteryBacked }: Cohort): CohortSelector {
  return {
    ...(ring !== undefined && { ring: [ring] }),
    ...(region !== undefined && { region: [region] }),
    ...(hardwareRevision !== undefined && { hardwareRevision: [hardwareRevision] }),
    ...(batteryBacked !== undefined && { batteryBacked }),
  };
}
