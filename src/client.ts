import { randomUUID } from 'node:crypto';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowUpdateFailedError,
  type WorkflowExecutionInfo,
  type WorkflowExecutionStatusName,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import type { z } from 'zod';
import type { Config } from './config';
import { rolloutDataConverter } from './adapters/codec/dataConverter';
import { connectionIdentity } from './client/connectionIdentity';
import type { ConnectionIdentity } from './engine/model/connectionIdentity';
import { FailureType } from './engine/model/failures';
import { fleetBudgetWorkflowId, handOverWorkflowId, killSwitchWorkflowId, rolloutWorkflowId } from './engine/model/ids';
import type { BudgetView } from './engine/model/budget';
import { budgetQuery, setLimitUpdate } from './engine/workflows/budgetMessages';
import type { fleetBudgetWorkflow } from './engine/workflows/fleetBudget';
import { HandOverRequest, type HandOverResult } from './engine/model/deviceClaims';
import type { handOverWorkflow } from './engine/workflows/handOver';
import { KillSwitchRequest, type KillSwitchStatus } from './engine/model/killSwitch';
import { killSwitchQuery } from './engine/workflows/killSwitchMessages';
import type { killSwitchWorkflow } from './engine/workflows/killSwitch';
import { operatorMessages, statusQuery, type OperatorAck, type OperatorMessage } from './engine/workflows/messages';
import { resolveRollout, type RolloutInput, type RolloutReport } from './engine/model/rollout';
import { CurrentStageKey, FirmwareVersionKey, RolloutIdKey, RolloutStateKey } from './engine/workflows/searchAttributes';
import { actorOf, type RolloutStatus } from './engine/model/status';
import { parseOrThrow } from './engine/model/validation';
import type { rolloutWorkflow } from './engine/workflows/rollout';
import { RequestRejectedError, RolloutAlreadyExistsError } from './client/errors';
import { planMarkdown } from './client/planSummary';
import { changeLabel, statusTarget } from './engine/model/deviceChange';
import { flagTarget } from './engine/ports/fleetProvider';
import { ROLLOUT_WORKFLOW_TYPE, RolloutFilter, rolloutListQuery } from './client/rolloutQuery';
import { tracingFor, type Tracing } from './adapters/tracing/optionalTracing';

/** One row of `rollout list`, from the visibility store. */
export interface RolloutListing {
  rolloutId: string;
  workflowId: string;
  firmwareVersion?: string;
  state?: string;
  currentStage?: string;
  execution: WorkflowExecutionStatusName;
  startedAt: string;
  closedAt?: string;
}

/** A rollout's report: its status, and its result once the workflow completed. */
export interface RolloutReportView {
  execution: WorkflowExecutionStatusName;
  status: RolloutStatus;
  result?: RolloutReport;
}

/** What the caller says; the identity comes from the connection alone. */
type RequestOf<M extends OperatorMessage> = Omit<z.input<M['request']>, 'identity'>;

/**
 * Release tooling's handle on rollouts: start from a plan, read status, steer with acknowledged
 * updates. Every start and steering action carries `identity`, what the connection authenticated
 * as, next to the operator's own `by`.
 */
export class RolloutClient {
  private readonly stamp: { identity?: ConnectionIdentity };

  constructor(
    readonly client: Client,
    private readonly taskQueue: string,
    /** What the connection authenticated as, and the tracing `close` ends (its spans are exported by then). */
    private readonly connected: { identity?: ConnectionIdentity; tracing?: Tracing } = {},
  ) {
    this.stamp = connected.identity ? { identity: connected.identity } : {};
  }

  /** Traces every call to Temporal when the `OTEL_*` variables turn tracing on (see the README's *Tracing*). */
  static async connect(config: Config): Promise<RolloutClient> {
    const tracing = tracingFor(config, 'client');
    try {
      const connection = await Connection.connect(config.temporal.options);
      const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: rolloutDataConverter(config), ...tracing?.client });
      return new RolloutClient(client, config.TEMPORAL_TASK_QUEUE, { identity: connectionIdentity(config.temporal.options), ...(tracing ? { tracing } : {}) });
    } catch (error) {
      await tracing?.shutdown();
      throw error;
    }
  }

  /**
   * Validates everything first, so bad input starts nothing; a second start of the same id is
   * refused. Another rollout may run on the same fleet: each device goes to one rollout at a time
   * (the ledger's claims, see *Many rollouts on one fleet* in the README).
   * The workflow gets the input with every default applied here, once, and applies none itself.
   */
  async start(input: Omit<RolloutInput, 'identity'>): Promise<WorkflowHandle<typeof rolloutWorkflow>> {
    const resolved = resolveRollout({ ...input, ...this.stamp });
    const { rolloutId } = resolved.plan;
    const target = statusTarget(resolved.plan);
    try {
      return await this.client.workflow.start<typeof rolloutWorkflow>(ROLLOUT_WORKFLOW_TYPE, {
        taskQueue: this.taskQueue,
        workflowId: rolloutWorkflowId(rolloutId),
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        args: [resolved],
        typedSearchAttributes: [
          { key: RolloutIdKey, value: rolloutId },
          { key: FirmwareVersionKey, value: target.firmwareVersion },
          { key: RolloutStateKey, value: 'starting' },
        ],
        staticSummary: changeLabel(target),
        staticDetails: planMarkdown(input.plan),
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) throw new RolloutAlreadyExistsError(rolloutId);
      throw error;
    }
  }

  handle(rolloutId: string): WorkflowHandle<typeof rolloutWorkflow> {
    return this.client.workflow.getHandle<typeof rolloutWorkflow>(rolloutWorkflowId(rolloutId));
  }

  status(rolloutId: string): Promise<RolloutStatus> {
    return this.handle(rolloutId).query(statusQuery);
  }

  result(rolloutId: string): Promise<RolloutReport> {
    return this.handle(rolloutId).result();
  }

  pause(rolloutId: string, request: RequestOf<typeof operatorMessages.pause>): Promise<OperatorAck> {
    return this.send(operatorMessages.pause, rolloutId, request);
  }

  resume(rolloutId: string, request: RequestOf<typeof operatorMessages.resume>): Promise<OperatorAck> {
    return this.send(operatorMessages.resume, rolloutId, request);
  }

  approve(rolloutId: string, request: RequestOf<typeof operatorMessages.approve>): Promise<OperatorAck> {
    return this.send(operatorMessages.approve, rolloutId, request);
  }

  rollback(rolloutId: string, request: RequestOf<typeof operatorMessages.rollback>): Promise<OperatorAck> {
    return this.send(operatorMessages.rollback, rolloutId, request);
  }

  abort(rolloutId: string, request: RequestOf<typeof operatorMessages.abort>): Promise<OperatorAck> {
    return this.send(operatorMessages.abort, rolloutId, request);
  }

  /**
   * Moves the devices `from` holds (all, or `devices`) to the rollout `to`, or frees them without
   * `to`; `from` sends them no further command. Works whatever state `from` is in, terminated too.
   */
  async handOver(request: Omit<HandOverRequest, 'identity'>): Promise<HandOverResult> {
    const parsed = parseOrThrow(HandOverRequest, { ...request, ...this.stamp }, 'hand-over request');
    return this.client.workflow.execute<typeof handOverWorkflow>('handOverWorkflow' satisfies typeof handOverWorkflow.name, {
      taskQueue: this.taskQueue,
      workflowId: handOverWorkflowId(parsed.from, randomUUID()),
      args: [parsed],
      staticSummary: `hand over devices of ${parsed.from} ${parsed.to === undefined ? 'to the next rollout' : `to ${parsed.to}`}: ${parsed.reason} (${actorOf(parsed)})`,
    });
  }

  /**
   * Pulls the kill switch of `flag`: every device that has it on is switched off, with no stages or
   * gates. Pulling it again while it runs joins the kill switch already running (one per flag).
   */
  async killSwitch(request: KillSwitchRequest): Promise<WorkflowHandle<typeof killSwitchWorkflow>> {
    const parsed = parseOrThrow(KillSwitchRequest, request, 'kill switch request');
    await this.abortRolloutsSwitchingOn(parsed);
    return this.client.workflow.start<typeof killSwitchWorkflow>('killSwitchWorkflow' satisfies typeof killSwitchWorkflow.name, {
      taskQueue: this.taskQueue,
      workflowId: killSwitchWorkflowId(parsed.flag),
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [parsed],
      staticSummary: `kill switch: ${parsed.flag} off everywhere: ${parsed.reason} (${parsed.by})`,
    });
  }

  /**
   * Aborts (rolling nothing back: the kill switch switches the flag off) this fleet's running flag
   * rollouts that switch `flag` on, so that no later batch of theirs turns it on again behind the
   * kill switch. Found through visibility, which is eventually consistent: a rollout started just
   * before the pull may not be listed yet.
   */
  private async abortRolloutsSwitchingOn({ flag, by, reason }: Pick<KillSwitchRequest, 'flag' | 'by' | 'reason'>): Promise<void> {
    const running = await this.list({ firmwareVersion: flagTarget(flag, true), taskQueue: this.taskQueue, running: true });
    for (const { rolloutId } of running) {
      await this.abort(rolloutId, { by, reason: `kill switch of ${flag}: ${reason}` }).catch((error: unknown) => {
        // It ended between the listing and the abort: nothing left to stop.
        if (!(error instanceof RequestRejectedError)) throw error;
      });
    }
  }

  /** Where the kill switch of `flag` stands, running or ended. */
  killSwitchStatus(flag: string): Promise<KillSwitchStatus> {
    return this.client.workflow.getHandle<typeof killSwitchWorkflow>(killSwitchWorkflowId(flag)).query(killSwitchQuery);
  }

  /** The fleet budget of this client's fleet (its task queue): the limit and each rollout's leased and waiting operations. */
  budget(): Promise<BudgetView> {
    return this.budgetHandle().query(budgetQuery);
  }

  /** The fleet budget, or undefined when no budget runs for this fleet (its workers have no `FLEET_BUDGET_LIMIT`). */
  async budgetIfRunning(): Promise<BudgetView | undefined> {
    try {
      return await this.budget();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    }
  }

  /** Changes the fleet-wide limit of operations in flight; rollouts already holding more keep their leases until they end. */
  setBudgetLimit(request: { limit: number; by: string }): Promise<BudgetView> {
    return this.budgetHandle().executeUpdate(setLimitUpdate, { args: [request] });
  }

  private budgetHandle(): WorkflowHandle<typeof fleetBudgetWorkflow> {
    return this.client.workflow.getHandle<typeof fleetBudgetWorkflow>(fleetBudgetWorkflowId(this.taskQueue));
  }

  async list(filter: RolloutFilter = {}): Promise<RolloutListing[]> {
    const query = rolloutListQuery(parseOrThrow(RolloutFilter, filter, 'list filter'));
    const rows: RolloutListing[] = [];
    for await (const execution of this.client.workflow.list({ query })) rows.push(listing(execution));
    return rows;
  }

  /** The status, plus the result when the workflow completed; for a running rollout `result` is absent. */
  async report(rolloutId: string): Promise<RolloutReportView> {
    const handle = this.handle(rolloutId);
    const execution = (await handle.describe()).status.name;
    const status = await handle.query(statusQuery);
    return { execution, status, ...(execution === 'COMPLETED' ? { result: await handle.result() } : {}) };
  }

  async close(): Promise<void> {
    await this.client.connection.close();
    await this.connected.tracing?.shutdown();
  }

  private async send<M extends OperatorMessage>(message: M, rolloutId: string, request: RequestOf<M>): Promise<OperatorAck> {
    const stamped = { ...request, ...this.stamp };
    parseOrThrow(message.request, stamped, `${message.name} request`);
    const handle = this.handle(rolloutId);
    try {
      return await handle.executeUpdate(message.update, { args: [stamped] });
    } catch (error) {
      throw await this.explainRefusal(error, rolloutId, message.name);
    }
  }

  /** A refusal by the rollout, or an update to a rollout that has already ended, becomes a RequestRejectedError. */
  private async explainRefusal(error: unknown, rolloutId: string, action: string): Promise<unknown> {
    if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure && error.cause.type === FailureType.RequestRejected) {
      return new RequestRejectedError(rolloutId, action, error.cause.message);
    }
    const execution = await this.handle(rolloutId)
      .describe()
      .then((description) => description.status.name)
      .catch(() => undefined);
    if (execution && execution !== 'RUNNING') return new RequestRejectedError(rolloutId, action, `the rollout has already ended (workflow ${execution.toLowerCase()})`);
    return error;
  }

}

function listing(execution: WorkflowExecutionInfo): RolloutListing {
  const attributes = execution.typedSearchAttributes;
  const optional = { firmwareVersion: attributes.get(FirmwareVersionKey), state: attributes.get(RolloutStateKey), currentStage: attributes.get(CurrentStageKey) };
  return {
    rolloutId: attributes.get(RolloutIdKey) ?? execution.workflowId,
    workflowId: execution.workflowId,
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
    execution: execution.status.name,
    startedAt: execution.startTime.toISOString(),
    ...(execution.closeTime ? { closedAt: execution.closeTime.toISOString() } : {}),
  };
}
