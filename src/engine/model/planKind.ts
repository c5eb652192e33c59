import { FlagPlan, type FlagPlanInput } from './flagPlan';
import { Plan, type PlanInput } from './plan';

/** A resolved plan of either kind: a firmware plan (`kind` absent or `firmware`) or a flag plan. */
export type AnyPlan = Plan | FlagPlan;

/** A plan of either kind, as written: a firmware plan (no `kind`, or `kind: firmware`) or a flag plan. */
export type AnyPlanInput = PlanInput | FlagPlanInput;

export const isFlagPlan = (document: unknown): boolean => typeof document === 'object' && document !== null && (document as { kind?: unknown }).kind === 'flag';

/** The schema that checks `document`: its `kind` picks it, so errors speak of the fields of that kind only. */
export const planSchemaFor = (document: unknown): typeof Plan | typeof FlagPlan => (isFlagPlan(document) ? FlagPlan : Plan);
