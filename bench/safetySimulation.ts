import { isFleetWide, regressed, type EvidencePolicy } from '../src/engine/model/health/cohortEvidence';
import { crashResponse, SeverityPolicy } from '../src/engine/model/health/severity';
import { exposureTimeline, type ExposureInterval } from '../src/engine/model/health/power';
import { accumulate, emptyEvidence, rateRatio, type CohortEvidence } from '../src/engine/model/health/sequential';
import { evaluateHealth, HealthPolicy, policyPerLook } from '../src/engine/model/health/triggers';
import { resolveStage, type Plan } from '../src/engine/model/plan';
import { poisson } from '../rig/simulator/random';

/** One case of the safety benchmark: who runs the new firmware worse, and what the fleet's rate does meanwhile. */
export interface SafetyCase {
  name: string;
  /** Share of the fleet of each cohort (they add up to 1). */
  cohortShares: number[];
  /** Crash-rate ratio of the new firmware to the old, per cohort (1 = as good as the old). */
  ratios: number[];
  /** The fleet-wide crash rate is multiplied by `factor` between these plan hours (a heat wave, a backend outage). */
  surge?: { fromHours: number; toHours: number; factor: number };
  /** Also judge it by the same sequential test against the pre-rollout baseline alone, without the control. */
  fixedBaseline?: boolean;
}

export interface Fleet {
  plan: Plan;
  stageDevices: number[];
  baselineRatePerDeviceHour: number;
  evidence: EvidencePolicy;
  stepHours: number;
  /** Share of every cohort held back on the old firmware as a control to the end (what-if: plans do not reserve one yet). */
  holdback: number;
}

/** What one simulated rollout came to under one engine. */
export interface Halt {
  /** Interval index of the first halt; undefined when the rollout completed. */
  at?: number;
  /** Device-hours on the new firmware, all cohorts, when it halted. */
  deviceHours: number;
  /** Share of the fleet on the new firmware when it halted. */
  exposure: number;
  /** The halt rolled back exactly the regressed cohorts (a fleet-wide halt is selective only for a fleet-wide regression). */
  selective: boolean;
}

export interface RunOutcome {
  sequential: Halt;
  perWindow: Halt;
  fixedBaseline?: Halt;
}

/** What the sequential test compares the new firmware with: the cohort's devices not yet updated, or the pre-rollout baseline alone. */
export type Reference = 'control' | 'baseline';

/**
 * One rollout of the plan's timeline with Poisson crashes per cohort and arm, judged by the product's
 * sequential test (every cohort, every interval, against the control) and, in a rollout of its own
 * from the same stream, by the engine before it (a Poisson test of each stage's devices in its own
 * monitoring window against the baseline, α spread over every look, ratio threshold 2). The
 * sequential engine goes on as the product does after a cohort's rollback: the rest waits for the
 * finding's deadline with its evidence still adding up, then resumes; its answer is every cohort
 * rolled back by the end.
 */
export function simulateRollout(fleet: Fleet, safetyCase: SafetyCase, random: () => number): RunOutcome {
  return {
    sequential: new SequentialRun(fleet, safetyCase, random, 'control').play(),
    perWindow: new PerWindowRun(fleet, safetyCase, random).play(),
    ...(safetyCase.fixedBaseline && { fixedBaseline: new SequentialRun(fleet, safetyCase, random, 'baseline').play() }),
  };
}

const NO_CONTROL = { crashes: 0, firmwareHours: 0 };

/** What both engines share: the timeline, and crashes drawn per cohort, stage and arm. */
abstract class SimulatedRun {
  protected readonly timeline: ExposureInterval[];
  protected readonly eligible: number;
  protected readonly bad: boolean[];
  private readonly before: number[];
  protected elapsedHours = 0;
  protected deviceHours = 0;

  constructor(
    protected readonly fleet: Fleet,
    protected readonly safetyCase: SafetyCase,
    private readonly random: () => number,
  ) {
    this.eligible = fleet.stageDevices.reduce((total, devices) => total + devices, 0);
    const updatable = (1 - fleet.holdback) * this.eligible;
    this.timeline = exposureTimeline(fleet.plan, fleet.stageDevices, fleet.stepHours).map((interval) => ({ ...interval, updated: Math.min(interval.updated, updatable) }));
    this.before = fleet.stageDevices.map((_, stage) => fleet.stageDevices.slice(0, stage).reduce((total, devices) => total + devices, 0));
    this.bad = safetyCase.ratios.map((ratio) => ratio > 1);
  }

  /** Crashes of cohort `c` in one interval: on the new firmware per stage, and on the control. */
  protected draw(c: number, interval: ExposureInterval): { perStage: { crashes: number; hours: number }[]; control: { crashes: number; firmwareHours: number } } {
    const rate = this.fleet.baselineRatePerDeviceHour * surgeFactor(this.safetyCase, this.elapsedHours);
    const share = this.safetyCase.cohortShares[c]!;
    const perStage = this.fleet.stageDevices.map((devices, stage) => {
      const hours = share * Math.max(0, Math.min(devices, interval.updated - this.before[stage]!)) * interval.hours;
      return { crashes: poisson(this.random, this.safetyCase.ratios[c]! * rate * hours), hours };
    });
    const controlHours = share * (this.eligible - interval.updated) * interval.hours;
    return { perStage, control: { crashes: poisson(this.random, rate * controlHours), firmwareHours: controlHours } };
  }

  protected advance(interval: ExposureInterval): void {
    this.elapsedHours += interval.hours;
    this.deviceHours += interval.updated * interval.hours;
  }

  protected haltAt(index: number, interval: ExposureInterval): Omit<Halt, 'selective'> {
    return { at: index, deviceHours: this.deviceHours, exposure: interval.updated / this.eligible };
  }

  protected completed(): Omit<Halt, 'selective'> {
    return { deviceHours: this.deviceHours, exposure: (this.timeline.at(-1)?.updated ?? 0) / this.eligible };
  }

  protected targetsByCohort(): Record<string, number> {
    return Object.fromEntries(this.safetyCase.cohortShares.map((share, index) => [String(index), share]));
  }

  protected isFleetWideRegression(): boolean {
    return isFleetWide(this.bad.flatMap((isBad, index) => (isBad ? [String(index)] : [])), this.targetsByCohort(), this.fleet.evidence);
  }
}

class SequentialRun extends SimulatedRun {
  private cohorts: CohortEvidence[];
  private readonly withdrawn = new Set<number>();
  private fleetWide = false;
  private firstHalt: Omit<Halt, 'selective'> | undefined;

  constructor(
    fleet: Fleet,
    safetyCase: SafetyCase,
    random: () => number,
    private readonly reference: Reference,
  ) {
    super(fleet, safetyCase, random);
    this.cohorts = safetyCase.cohortShares.map((_, index) => emptyEvidence(String(index)));
  }

  play(): Halt {
    for (const [index, interval] of this.timeline.entries()) {
      const found = this.step(interval);
      if (found.length > 0) this.respond(found, interval, index);
      if (this.fleetWide) break;
    }
    return { ...(this.firstHalt ?? this.completed()), selective: this.answeredRight() };
  }

  /** One interval of evidence from the cohorts still in the rollout; returns those newly found regressed. */
  private step(interval: ExposureInterval): number[] {
    this.cohorts = this.cohorts.map((cohort, c) => {
      if (this.withdrawn.has(c)) return cohort;
      const { perStage, control } = this.draw(c, interval);
      const updated = { crashes: perStage.reduce((total, stage) => total + stage.crashes, 0), firmwareHours: this.safetyCase.cohortShares[c]! * interval.updated * interval.hours };
      return accumulate(cohort, { cohort: cohort.cohort, updated, control: this.reference === 'control' ? control : NO_CONTROL }, this.fleet.baselineRatePerDeviceHour);
    });
    this.advance(interval);
    const judged = this.cohorts.filter((_, c) => !this.withdrawn.has(c));
    return regressed(judged, this.fleet.evidence.alpha, this.cohorts.length).map((cohort) => Number(cohort.cohort));
  }

  /** Rolls the found cohorts back; the rest waits out the finding's deadline with its evidence going on, unless the answer is fleet-wide. */
  private respond(found: number[], interval: ExposureInterval, index: number): void {
    this.firstHalt ??= this.haltAt(index, interval);
    found.forEach((cohort) => this.withdrawn.add(cohort));
    this.fleetWide = isFleetWide([...this.withdrawn].map(String), this.targetsByCohort(), this.fleet.evidence);
    if (this.fleetWide) return;
    const ratio = Math.max(...found.map((cohort) => rateRatio(this.cohorts[cohort]!, this.fleet.baselineRatePerDeviceHour)?.ratio ?? 1));
    const deadlineHours = crashResponse(ratio, SeverityPolicy.parse({})).deadlineMs / 3_600_000;
    const paused = { ...interval, hours: this.fleet.stepHours };
    for (let waited = 0; waited < deadlineHours && !this.fleetWide; waited += this.fleet.stepHours) {
      const more = this.step(paused);
      if (more.length > 0) this.respond(more, interval, index);
    }
  }

  /** Rolled back exactly the regressed cohorts, or all for a regression holding most of the fleet. */
  private answeredRight(): boolean {
    if (this.isFleetWideRegression()) return this.fleetWide;
    return !this.fleetWide && this.bad.every((isBad, index) => isBad === this.withdrawn.has(index));
  }
}

class PerWindowRun extends SimulatedRun {
  private readonly policies: HealthPolicy[];
  private readonly stageCrashes: number[];
  private readonly stageHours: number[];

  constructor(fleet: Fleet, safetyCase: SafetyCase, random: () => number) {
    super(fleet, safetyCase, random);
    this.policies = fleet.stageDevices.map((_, stage) => policyPerLook(HealthPolicy.parse({}), windowLooks(fleet, stage)));
    this.stageCrashes = fleet.stageDevices.map(() => 0);
    this.stageHours = fleet.stageDevices.map(() => 0);
  }

  /** Any halt rolls everything back: selective only for a fleet-wide regression. */
  play(): Halt {
    for (const [index, interval] of this.timeline.entries()) {
      this.safetyCase.cohortShares.forEach((_, c) => {
        this.draw(c, interval).perStage.forEach(({ crashes, hours }, stage) => {
          this.stageCrashes[stage]! += crashes;
          this.stageHours[stage]! += hours;
        });
      });
      this.advance(interval);
      if (inMonitoringWindow(this.fleet, interval, index, this.timeline) && this.halts(interval.stage)) return { ...this.haltAt(index, interval), selective: this.isFleetWideRegression() };
    }
    return { ...this.completed(), selective: !this.bad.some(Boolean) };
  }

  private halts(stage: number): boolean {
    const devices = this.fleet.stageDevices[stage]!;
    const observation = { exposedDevices: devices, exposureHours: this.stageHours[stage]! / devices, crashes: this.stageCrashes[stage]!, connectivityRate: 1, rollbacks: 0, unresponsiveDevices: 0 };
    const { verdict } = evaluateHealth(observation, { crashRatePerDeviceHour: this.fleet.baselineRatePerDeviceHour, connectivityRate: 1 }, this.policies[stage]!);
    return verdict === 'pause' || verdict === 'rollback';
  }
}

const surgeFactor = ({ surge }: SafetyCase, hours: number): number => (surge && hours >= surge.fromHours && hours < surge.toHours ? surge.factor : 1);

/** The old engine looked only inside a stage's monitoring window: the intervals after the stage's last batch. */
function inMonitoringWindow(fleet: Fleet, interval: ExposureInterval, index: number, timeline: readonly ExposureInterval[]): boolean {
  const stage = resolveStage(fleet.plan, interval.stage);
  const windowSteps = Math.ceil(stage.monitorWindow / 3_600_000 / fleet.stepHours - 1e-9);
  const lastOfStage = timeline.reduce((last, candidate, position) => (candidate.stage === interval.stage ? position : last), -1);
  return index > lastOfStage - windowSteps;
}

/** The looks the old engine spread α over in a stage's window: its health checks, times the plan's stages. */
function windowLooks(fleet: Fleet, index: number): number {
  const stage = resolveStage(fleet.plan, index);
  return Math.max(1, Math.floor(stage.monitorWindow / stage.healthCheckInterval)) * fleet.plan.stages.length;
}
