import { Client, Connection, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { connectionOptions, type Config } from '../config';
import { rolloutWorkflowId } from '../contracts/ids';
import { pauseSignal, resumeSignal, rollbackSignal, statusQuery, type OperatorAction } from '../contracts/messages';
import { RolloutInput } from '../contracts/rollout';
import type { RolloutReport } from '../contracts/rollout';
import type { RolloutStatus } from '../contracts/status';
import { parseOrThrow } from '../contracts/validation';
import type { rolloutWorkflow } from '../workflows/rollout';

export class RolloutAlreadyExistsError extends Error {
  override readonly name = 'RolloutAlreadyExistsError';
  constructor(readonly rolloutId: string) {
    super(`rollout ${rolloutId} already exists: pick another rolloutId, or use \`rollout status ${rolloutId}\``);
  }
}

/** Release tooling's handle on rollouts: start from a plan, read status, steer. */
export class RolloutClient {
  constructor(
    readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  static async connect(config: Config): Promise<RolloutClient> {
    const connection = await Connection.connect(connectionOptions(config));
    return new RolloutClient(new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }), config.TEMPORAL_TASK_QUEUE);
  }

  /** Validates everything first, so bad input starts nothing; a second start of the same id is refused. */
  async start(input: RolloutInput): Promise<WorkflowHandle<typeof rolloutWorkflow>> {
    const parsed = parseOrThrow(RolloutInput, input, 'rollout');
    const rolloutId = parsed.plan.rolloutId;
    try {
      return await this.client.workflow.start<typeof rolloutWorkflow>('rolloutWorkflow', {
        taskQueue: this.taskQueue,
        workflowId: rolloutWorkflowId(rolloutId),
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        args: [input],
        staticSummary: `firmware ${parsed.plan.firmware.version}`,
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

  pause(rolloutId: string, action: OperatorAction): Promise<void> {
    return this.handle(rolloutId).signal(pauseSignal, action);
  }

  resume(rolloutId: string, action: OperatorAction): Promise<void> {
    return this.handle(rolloutId).signal(resumeSignal, action);
  }

  rollback(rolloutId: string, action: OperatorAction): Promise<void> {
    return this.handle(rolloutId).signal(rollbackSignal, action);
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }
}
