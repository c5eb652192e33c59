import { Context } from '@temporalio/activity';
import type { LimitTarget } from '../model/concurrencyLimit';
import { RolloutMetric } from '../model/metricNames';
import type { Operation } from '../ports/fleetProvider';
import { isTerminal } from '../ports/fleetProvider';
import type { OperationAdmission } from '../ports/operationAdmission';

/**
 * An attempt's update (or flag) commands, sent as the service's adaptive limit admits them: each holds its
 * permit from its command until its operation ends (or the attempt does). Without a limit every
 * command goes at once.
 */
export class AdmittedCommands<Command extends { deviceId: string; idempotencyKey: string }> {
  private readonly unsent: Command[];
  /** Idempotency key of each sent command still holding a permit, by device. */
  private readonly held = new Map<string, string>();

  constructor(
    commands: Command[],
    private readonly send: (commands: Command[]) => Promise<unknown>,
    private readonly limit: { admission: OperationAdmission; target: LimitTarget } | undefined,
  ) {
    this.unsent = [...commands];
  }

  /** Devices whose command has not gone out yet. */
  get waiting(): string[] {
    return this.unsent.map((command) => command.deviceId);
  }

  /**
   * Frees the permits of operations that ended, then sends what the limit admits now. Returns
   * whether it sent any: `latest` then knows nothing of their operations.
   */
  async step(latest: Map<string, Operation>): Promise<boolean> {
    for (const [deviceId, key] of this.held) {
      const operation = latest.get(deviceId);
      if (operation?.idempotencyKey === key && isTerminal(operation.state)) this.free(deviceId);
    }
    if (this.unsent.length === 0) return false;
    const count = this.limit ? this.limit.admission.tryAdmit(this.unsent.length, this.limit.target) : this.unsent.length;
    this.reportLimit();
    if (count === 0) return false;
    const batch = this.unsent.splice(0, count);
    if (this.limit) for (const command of batch) this.held.set(command.deviceId, command.idempotencyKey);
    Context.current().cancellationSignal.throwIfAborted();
    await this.send(batch);
    return true;
  }

  /** Frees every permit still held: the attempt is over, whatever its operations do next. */
  close(): void {
    for (const deviceId of [...this.held.keys()]) this.free(deviceId);
  }

  private free(deviceId: string): void {
    this.held.delete(deviceId);
    this.limit?.admission.release(1);
  }

  private reportLimit(): void {
    const meter = Context.current().metricMeter;
    if (!this.limit || !meter.createGauge) return;
    meter.createGauge(RolloutMetric.concurrencyLimit, 'int', 'operations', 'Operations the device-management service is allowed in flight now (adaptive)').set(this.limit.admission.state.limit);
  }
}
