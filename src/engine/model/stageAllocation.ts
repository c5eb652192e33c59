import type { Plan } from './plan';
import type { Device } from '../ports/fleetProvider';
import { matches } from './cohorts';
import { stageSizes } from './planMath';

type Stages = Pick<Plan, 'stages'>;

export interface StageAllocation<T> {
  /** Each stage's devices, in plan order. */
  stages: T[][];
  /** Eligible devices no stage takes: reported, or they would miss the rollout silently. */
  uncovered: T[];
}

/**
 * Places devices in stages as the inventory is read, keeping only `T` of each (e.g. id and version):
 * a device goes to the first cohort stage that selects it, or else waits for the count and percent
 * stages, which take the rest in the order read.
 */
export class StageAllocator<T> {
  private readonly cohorts: T[][];
  private readonly rest: T[] = [];
  /** Percent stages need the size of the whole eligible fleet, cohort stages every device of their cohort. */
  readonly needsWholeFleet: boolean;
  private readonly wanted: number;

  constructor(private readonly plan: Stages) {
    this.cohorts = plan.stages.map(() => []);
    this.needsWholeFleet = plan.stages.some((stage) => stage.devices === undefined);
    this.wanted = plan.stages.reduce((total, stage) => total + (stage.devices ?? 0), 0);
  }

  get hasEnough(): boolean {
    return !this.needsWholeFleet && this.rest.length >= this.wanted;
  }

  add(device: Pick<Device, 'attributes'>, target: T): void {
    const cohort = this.plan.stages.findIndex((stage) => stage.select && matches(device, stage.select));
    (cohort >= 0 ? this.cohorts[cohort]! : this.rest).push(target);
  }

  allocate(): StageAllocation<T> {
    const eligible = this.cohorts.reduce((total, cohort) => total + cohort.length, this.rest.length);
    const sizes = stageSizes(this.plan, eligible, this.cohorts.map((cohort) => cohort.length));
    let next = 0;
    const stages = this.plan.stages.map((stage, index) => {
      if (stage.select) return this.cohorts[index]!;
      const slice = this.rest.slice(next, next + sizes[index]!.devices);
      next += slice.length;
      return slice;
    });
    // A count-only plan takes a fixed number of devices and stops reading: the fleet beyond it is outside the plan by design.
    return { stages, uncovered: this.needsWholeFleet ? this.rest.slice(next) : [] };
  }
}

/** A device is updated once, in its earliest stage; see StageAllocator. */
export function allocateStages<T extends Pick<Device, 'attributes'>>(devices: readonly T[], plan: Stages): StageAllocation<T> {
  const allocator = new StageAllocator<T>(plan);
  for (const device of devices) allocator.add(device, device);
  return allocator.allocate();
}

/** Why an eligible device no stage takes is kept out of the rollout. */
export const NO_STAGE_REASON = 'no stage selects it: add a stage for its cohort, or end the plan with a stage of percent: 100';
