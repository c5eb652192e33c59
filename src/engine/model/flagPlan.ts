import { z } from 'zod';
import { FlagName } from '../ports/fleetProvider';
import { checkPlanBody, Plan } from './plan';
import { AFTER_FIELD_CHECKS } from './validation';

/** The flag a flag plan stages and the value every target ends with. */
export const FlagSetting = z
  .object({
    name: FlagName,
    value: z.boolean({ error: 'write true (switch the behaviour on) or false (switch it off)' }),
  })
  .strict();
export type FlagSetting = z.infer<typeof FlagSetting>;

/**
 * A plan that stages a flag value on devices that keep their firmware (seed 002's "same firmware
 * everywhere, new behaviour switched on in stages"). It shares the firmware plan's stages, batches,
 * gates, health and catch-up; it has no firmware, version policy or preflight: a flag change downloads
 * nothing, so the battery, disk and link checks that guard an image's download and install do not apply.
 */
export const FlagPlan = z
  .object({
    kind: z.literal('flag'),
    rolloutId: Plan.shape.rolloutId,
    flag: FlagSetting,
    stages: Plan.shape.stages,
    defaults: Plan.shape.defaults,
    retry: Plan.shape.retry,
    health: Plan.shape.health,
    maintenanceWindows: Plan.shape.maintenanceWindows,
    catchUp: Plan.shape.catchUp,
    notifications: Plan.shape.notifications,
    priority: Plan.shape.priority,
  })
  .strict()
  .superRefine(checkPlanBody, AFTER_FIELD_CHECKS);
export type FlagPlan = z.infer<typeof FlagPlan>;
export type FlagPlanInput = z.input<typeof FlagPlan>;
