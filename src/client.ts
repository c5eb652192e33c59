import { WorkflowNotFoundError } from '@temporalio/client';
import { Command, Option } from 'commander';
import { loadConfig } from './config';
import { loadPlanFile } from './control/planFile';
import { summarizePlan } from './control/planSummary';
import { RolloutAlreadyExistsError, RolloutClient } from './control/rolloutClient';
import { InvalidInputError } from './contracts/validation';

/** Exit codes scripts can rely on. */
export const ExitCode = { ok: 0, failed: 1, invalidInput: 2, notFound: 3, conflict: 4 } as const;

const print = (value: unknown, json: boolean, text: () => string) => console.log(json ? JSON.stringify(value, null, 2) : text());

async function withClient<T>(body: (client: RolloutClient) => Promise<T>): Promise<T> {
  const client = await RolloutClient.connect(loadConfig());
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

const jsonOption = new Option('--json', 'print JSON for scripts');
const byOption = new Option('--by <who>', 'who is acting, kept in the audit trail').default(process.env.USER ?? 'cli');

export function buildCli(): Command {
  const program = new Command('rollout').description('Safe, staged firmware rollouts for IoT gateway fleets').showHelpAfterError();

  program
    .command('plan <file>')
    .description('validate a plan file and show its stages, batches and waits (starts nothing)')
    .addOption(jsonOption)
    .action(async (file: string, options: { json?: boolean }) => {
      const summary = summarizePlan(await loadPlanFile(file));
      print(summary, !!options.json, () => formatTable(summary));
    });

  program
    .command('start <file>')
    .description('start a rollout from a plan file')
    .option('--speedup <factor>', 'play plan time faster (1 = real time)', Number, 1)
    .addOption(byOption)
    .option('--wait', 'wait for the rollout to finish and print its report')
    .addOption(jsonOption)
    .action(async (file: string, options: { speedup: number; by: string; wait?: boolean; json?: boolean }) => {
      const plan = await loadPlanFile(file);
      await withClient(async (client) => {
        const handle = await client.start({ plan, speedup: options.speedup, startedBy: options.by });
        const started = { rolloutId: plan.rolloutId, workflowId: handle.workflowId };
        if (!options.wait) return print(started, !!options.json, () => `started ${plan.rolloutId} (workflow ${handle.workflowId})`);
        const report = await handle.result();
        print(report, !!options.json, () => JSON.stringify(report, null, 2));
      });
    });

  program
    .command('status <rolloutId>')
    .description("show a rollout's state, stages and counts")
    .addOption(jsonOption)
    .action(async (rolloutId: string, options: { json?: boolean }) => {
      await withClient(async (client) => {
        const status = await client.status(rolloutId);
        print(status, !!options.json, () =>
          [`${status.rolloutId}  firmware ${status.firmwareVersion}  ${status.state}`, formatTable(status.stages.map(({ name, devices, batchesDone, batches, state, counts }) => ({ stage: name, devices, batches: `${batchesDone}/${batches}`, state, ...counts })))].join('\n'),
        );
      });
    });

  for (const [name, description] of [
    ['pause', 'stop starting new batches (devices in flight finish)'],
    ['resume', 'go on after a pause or a held gate'],
    ['rollback', 'return every updated device to the version it ran before'],
  ] as const) {
    program
      .command(`${name} <rolloutId>`)
      .description(description)
      .requiredOption('--reason <text>', 'why, kept in the audit trail')
      .addOption(byOption)
      .action(async (rolloutId: string, options: { reason: string; by: string }) => {
        await withClient((client) => client[name](rolloutId, { by: options.by, reason: options.reason }));
        console.log(`${name} sent to ${rolloutId}`);
      });
  }
  return program;
}

function formatTable(rows: readonly object[]): string {
  if (rows.length === 0) return '(none)';
  const columns = Object.keys(rows[0]!);
  const cell = (row: object, column: string) => String((row as Record<string, unknown>)[column]);
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row, column).length)));
  const line = (cells: string[]) => cells.map((cell, index) => cell.padEnd(widths[index]!)).join('  ');
  return [line(columns), ...rows.map((row) => line(columns.map((column) => cell(row, column))))].join('\n');
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof InvalidInputError) return ExitCode.invalidInput;
  if (error instanceof WorkflowNotFoundError) return ExitCode.notFound;
  if (error instanceof RolloutAlreadyExistsError) return ExitCode.conflict;
  return ExitCode.failed;
}

if (require.main === module) {
  buildCli()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = exitCodeFor(error);
    });
}
