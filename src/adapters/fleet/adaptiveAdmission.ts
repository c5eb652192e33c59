import { initialLimit, nextLimit, type ConcurrencyLimitState, type LimitTarget, type ServiceSample } from '../../engine/model/concurrencyLimit';
import type { OperationAdmission } from '../../engine/ports/operationAdmission';

/**
 * The adaptive limit of one device-management service in this worker process: fed every answer the
 * service gives (`observe`), asked by every update attempt before it sends commands. The target and
 * ceiling are the strictest of the rollouts holding permits, and reset when none does.
 */
export class AdaptiveAdmission implements OperationAdmission {
  private inFlight = 0;
  private target: LimitTarget | undefined;
  private limitState: ConcurrencyLimitState | undefined;
  /** Permits released so far, and how many of those the latest reported load had seen; none before the service reported any. */
  private released = 0;
  private releasedBeforeLoad: number | undefined;

  get state(): { limit: number; inFlight: number } {
    return { limit: this.limitState?.limit ?? 0, inFlight: this.inFlight };
  }

  tryAdmit(wanted: number, target: LimitTarget): number {
    this.target =
      this.inFlight === 0 || !this.target
        ? target
        : { targetLoadPercent: Math.min(this.target.targetLoadPercent, target.targetLoadPercent), ceiling: Math.min(this.target.ceiling, target.ceiling) };
    this.limitState ??= initialLimit(this.target);
    const admitted = Math.max(0, Math.min(wanted, this.limitState.limit - this.inFlight - this.releasedUnseen()));
    this.inFlight += admitted;
    return admitted;
  }

  release(count: number): void {
    this.inFlight = Math.max(0, this.inFlight - count);
    this.released += count;
  }

  /**
   * A permit is released when a poll finds its operation ended, which may be well after it ended at
   * the service: until then the permit was counted in flight while adding no load, and a limit set
   * from the load meanwhile is too high by as many permits. So released permits are taken up again
   * only after a reported load that saw them gone. Without reported load there is nothing to correct.
   */
  private releasedUnseen(): number {
    return this.releasedBeforeLoad === undefined ? 0 : this.released - this.releasedBeforeLoad;
  }

  /**
   * A request to the service goes out; the function returned hears its answer. The load it reports
   * is the service's as the request found it, so it is set against the operations in flight then:
   * commands sent meanwhile by other attempts are not covered by it, and must not be let in twice.
   * Answers before any rollout asked for a permit are ignored (there is no target yet).
   */
  requestStarted(): (sample: ServiceSample) => void {
    const inFlightThen = this.inFlight;
    const releasedThen = this.released;
    return (sample) => {
      if (!this.target || !this.limitState) return;
      this.limitState = nextLimit(this.limitState, sample, inFlightThen, this.target);
      if (sample.loadPercent !== undefined) this.releasedBeforeLoad = Math.max(this.releasedBeforeLoad ?? 0, releasedThen);
    };
  }
}
