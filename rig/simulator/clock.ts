type Step = (dtMs: number) => void;

/**
 * Plan time for the simulator, advanced in fixed steps so that the model's physics do not depend
 * on how often anyone looks: the same steps in the same order give the same fleet.
 */
export interface SimClock {
  readonly stepMs: number;
  /** Plan time per real time, as the workflow's `speedup`; null for a clock moved by hand. */
  readonly speedup: number | null;
  attach(step: Step): void;
  /** Runs the steps that are due; every read of the fleet calls this first. */
  sync(): void;
  /** Real milliseconds that `planMs` of plan time take; a manual clock has no pace and answers `planMs`. */
  realMsFor(planMs: number): number;
  /** Back to plan time 0 (after the fleet was reset). */
  restart(): void;
  stop(): void;
}

abstract class SteppedClock implements SimClock {
  abstract readonly speedup: number | null;
  private step: Step | undefined;
  private stepsDone = 0;

  constructor(readonly stepMs: number) {}

  attach(step: Step): void {
    this.step = step;
  }

  abstract sync(): void;
  abstract realMsFor(planMs: number): number;

  restart(): void {
    this.stepsDone = 0;
  }

  stop(): void {}

  protected runUntil(planMs: number): void {
    if (!this.step) throw new Error('no simulation attached to the clock');
    while ((this.stepsDone + 1) * this.stepMs <= planMs) {
      this.stepsDone += 1;
      this.step(this.stepMs);
    }
  }
}

/** Moves only when told to: for tests and for scripted operators (deterministic). */
export class ManualClock extends SteppedClock {
  readonly speedup = null;
  private targetMs = 0;

  /** Runs the whole steps that fit; a remainder counts towards the next call. */
  advance(planMs: number): void {
    this.targetMs += planMs;
    this.runUntil(this.targetMs);
  }

  override restart(): void {
    super.restart();
    this.targetMs = 0;
  }

  sync(): void {}

  realMsFor(planMs: number): number {
    return planMs;
  }
}

/**
 * Plan time = real time since start × speedup, caught up on a timer and before every read. The
 * timer is unref'd: the clock alone never keeps a process alive.
 */
export class RealtimeClock extends SteppedClock {
  private startedAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly speedup: number,
    stepMs: number,
    private readonly tickMs = 20,
  ) {
    super(stepMs);
  }

  start(): void {
    this.startedAt = performance.now();
    this.timer ??= setInterval(() => this.sync(), this.tickMs).unref();
  }

  sync(): void {
    if (this.startedAt === undefined) return;
    this.runUntil((performance.now() - this.startedAt) * this.speedup);
  }

  realMsFor(planMs: number): number {
    return planMs / this.speedup;
  }

  override restart(): void {
    super.restart();
    if (this.startedAt !== undefined) this.startedAt = performance.now();
  }

  override stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.startedAt = undefined;
  }
}
