import type { RolloutStatus } from '../../src/engine/model/status';
import type { OperationAdmission } from '../../src/engine/ports/operationAdmission';
import type { Observation } from '../../src/cli/watch';
import { planHours } from '../report/reportMarkdown';
import type { DemoStop } from '../report/rolloutReport';
import { sampleOf, type TimelineSample } from '../report/timeline';
import type { SimulatorClient } from '../simulator/simulatorClient';

export interface StopRules {
  /** Plan time after which the demo stops a rollout that still runs. */
  limitMs: number;
  /** Stop as soon as a gate holds the rollout for an operator (the demo plays none). */
  stopWhenHeld: boolean;
}

/**
 * Reads the simulator's metrics at every status the demo sees: a timeline sample in plan time,
 * the management service's CPU for the live view, and whether the demo should stop, and why.
 */
export class FleetObserver {
  readonly samples: TimelineSample[] = [];
  stoppedBy: DemoStop | undefined;
  /** The lowest and highest adaptive concurrency limit seen once the worker had set one. */
  adaptiveLimit: { lowest: number; highest: number } | undefined;

  constructor(
    private readonly sim: SimulatorClient,
    private readonly rules: StopRules,
    private readonly admission: OperationAdmission,
  ) {}

  async observe(status: RolloutStatus): Promise<Observation> {
    const [metrics, fleet] = await Promise.all([this.sim.metrics(), this.sim.outcome(status.firmwareVersion)]);
    this.samples.push(sampleOf(status, metrics, fleet));
    const { management, devices, clock } = metrics;
    const { limit } = this.admission.state;
    if (limit > 0) this.adaptiveLimit = { lowest: Math.min(limit, this.adaptiveLimit?.lowest ?? limit), highest: Math.max(limit, this.adaptiveLimit?.highest ?? limit) };
    if (status.state === 'paused' && status.pendingDecision && this.rules.stopWhenHeld) this.stoppedBy = 'held';
    if (clock.planTimeMs > this.rules.limitMs) this.stoppedBy = 'limit';
    return {
      gauge: { label: 'mgmt CPU', percent: management.cpuPercent },
      text: `peak ${Math.round(management.peakCpuPercent)} % · operations in flight ${management.operationsInFlight} (limit ${limit || '–'}) · on ${status.firmwareVersion} ${fleet.updated} · online ${devices.online}/${devices.total} · plan time ${planHours(clock.planTimeMs)}`,
      stop: this.stoppedBy !== undefined,
    };
  }
}
