import type { AnyPlanInput } from '../engine/model/planKind';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { loadConfig } from '../config';
import { isFinished, RollbackScope, RolloutState } from '../engine/model/status';
import { InvalidInputError, parseOrThrow } from '../engine/model/validation';
import { DeviceApiClient } from './deviceApiClient';
import { DeviceState } from '../adapters/deviceApi/deviceDetail';
import { formatAck, formatBudget, formatDevice, formatDevicePage, formatHandOver, formatKillSwitch, formatListing, formatReport, formatStatus, formatTable } from './format';
import { readPlanFile } from '../client/planFile';
import { forecastRegression, SELECTED_AT_START, summarizePlan, type PlanSizing, type RegressionForecast, type StageSummary } from '../client/planSummary';
import { WINDOW_GRID_HOURS } from '../engine/model/health/power';
import { RolloutClient, type RolloutReportView } from '../client';
import { watchRollout } from './watch';

/** Exit codes scripts can rely on. */
export const ExitCode = {
  ok: 0,
  /** Anything unexpected: the server cannot be reached, a bug. */
  failed: 1,
  /** Bad arguments, plan file or request; the message names the field. */
  invalidInput: 2,
  notFound: 3,
  /** The rollout id is taken. */
  conflict: 4,
  /** The rollout refused the request (e.g. resume when not paused); the message says why. */
  rejected: 5,
  /** The rollout ended rolled back or aborted (`watch`, `report`, `start --wait`). */
  notCompleted: 6,
  /** `report` on a rollout that is still running. */
  stillRunning: 7,
} as const;

const EXIT_CODE_BY_ERROR: Record<string, number> = {
  InvalidInputError: ExitCode.invalidInput,
  WorkflowNotFoundError: ExitCode.notFound,
  RolloutNotFoundError: ExitCode.notFound,
  RolloutAlreadyExistsError: ExitCode.conflict,
  RequestRejectedError: ExitCode.rejected,
};

/** By name, not instanceof: errors cross module copies (tsx, the SDK's bundles). */
export function exitCodeFor(error: unknown): number {
  if (!(error instanceof Error)) return ExitCode.failed;
  if (error.name === 'CommanderError') return (error as Error & { exitCode: number }).exitCode === 0 ? ExitCode.ok : ExitCode.invalidInput;
  return EXIT_CODE_BY_ERROR[error.name] ?? ExitCode.failed;
}

const exitCodeOfEnd = (state: RolloutState): number => (state === 'completed' ? ExitCode.ok : ExitCode.notCompleted);

/** A workflow that ended without a result (terminated, failed) did not complete either. */
function exitCodeOfReport({ execution, result }: RolloutReportView): number {
  if (execution === 'RUNNING') return ExitCode.stillRunning;
  return result ? exitCodeOfEnd(result.state) : ExitCode.notCompleted;
}

/** Runs the CLI and returns its exit code; errors are reported on stderr. */
export async function runCli(argv: string[]): Promise<number> {
  let outcome: number = ExitCode.ok;
  try {
    await buildCli((code) => (outcome = code)).parseAsync(argv);
    return outcome;
  } catch (error) {
    // Commander has already printed its own usage errors.
    if (!(error instanceof Error && error.name === 'CommanderError')) console.error(error instanceof Error ? error.message : error);
    return exitCodeFor(error);
  }
}

const print = (value: unknown, json: boolean | undefined, text: () => string) => console.log(json ? JSON.stringify(value, null, 2) : text());

async function withClient<T>(body: (client: RolloutClient) => Promise<T>): Promise<T> {
  const client = await RolloutClient.connect(loadConfig());
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

const FleetSize = z.coerce.number().int('a whole number of devices, e.g. 250000').nonnegative();
const Cohorts = z.coerce.number().int('a whole number of cohorts, e.g. 3').positive();
const BudgetLimit = z.coerce.number().int('a whole number of operations, e.g. 50').positive('at least 1 operation');
const CrashRate = z.coerce.number().positive('crashes per device-hour above 0, e.g. 0.01');

/** The question operators ask of a plan first: a 4× regression on a third of the fleet, caught by when? */
function regressionLine(plan: AnyPlanInput, sizing: PlanSizing, summary: StageSummary[]): string {
  if (summary.some((stage) => stage.devices === SELECTED_AT_START)) return 'detection: give every stage a known size (count or percent with --fleet-size) to see what the crash test can detect by when';
  const fleetSize = sizing.fleetSize ?? summary.reduce((total, stage) => total + (stage.devices as number), 0);
  const { firstStage, medianExposure, sooner } = forecastRegression(plan, { ...sizing, fleetSize }, 4, 1 / 3);
  const halted = firstStage
    ? `a ×4 crash-rate regression on a third of the fleet is halted in 80 % of rollouts by the end of ${firstStage} (median exposure at halt: ${Math.round((medianExposure ?? 0) * 100)} % of the fleet)`
    : 'a ×4 crash-rate regression on a third of the fleet is not halted in 80 % of rollouts by the end of this plan';
  return sooner ? `${halted}\n${soonerLine(sooner, firstStage === undefined)}` : halted;
}

function soonerLine({ stage, plannedHours, neededHours }: NonNullable<RegressionForecast['sooner']>, atAll: boolean): string {
  const goal = atAll ? `to halt it by the end of ${stage}` : `to halt it by the end of ${stage} instead`;
  if (neededHours === undefined) return `${goal}, no monitoring window of up to ${WINDOW_GRID_HOURS.at(-1)} h would do (${stage} watches ${plannedHours} h)`;
  return `${goal}, ${stage}'s monitoring window would need ${neededHours} h (it has ${plannedHours} h)`;
}

const jsonOption = () => new Option('--json', 'print JSON for scripts');
const byOption = () => new Option('--by <who>', 'who is acting, kept in the audit trail').default(process.env.USER ?? 'cli');
const reasonOption = (required: boolean) => new Option('--reason <text>', 'why, kept in the audit trail').makeOptionMandatory(required);

interface JsonOptions {
  json?: boolean;
}
interface OperatorOptions extends JsonOptions {
  by: string;
  reason?: string;
}
interface ReasonedOptions extends OperatorOptions {
  reason: string;
}

export function buildCli(setExitCode: (code: number) => void = () => undefined): Command {
  const program = new Command('rollout').description('Safe, staged firmware rollouts for IoT gateway fleets').showHelpAfterError().exitOverride();

  program
    .command('plan <file>')
    .description('validate a plan file and show its stages, batches, waits and what its crash test can detect by when (starts nothing)')
    .option('--fleet-size <n>', 'eligible devices in the fleet: what percent stages are shares of')
    .option('--cohorts <n>', 'cohorts the crash test will find (e.g. hardware revisions), which share its α', '3')
    .option('--baseline-rate <crashes>', "the fleet's crashes per device-hour, when known better than the plan's baseline")
    .addOption(jsonOption())
    .action(async (file: string, options: JsonOptions & { fleetSize?: string; cohorts: string; baselineRate?: string }) => {
      const plan = await readPlanFile(file);
      const fleetSize = options.fleetSize === undefined ? undefined : parseOrThrow(FleetSize, options.fleetSize, '--fleet-size');
      if (fleetSize === undefined && plan.stages?.some((stage) => stage.percent !== undefined)) {
        throw new InvalidInputError('--fleet-size', [{ path: '--fleet-size', message: 'the plan has percent stages: pass the number of eligible devices, e.g. --fleet-size 250000' }]);
      }
      const sizing = {
        ...(fleetSize !== undefined && { fleetSize }),
        cohorts: parseOrThrow(Cohorts, options.cohorts, '--cohorts'),
        ...(options.baselineRate !== undefined && { baselineRatePerDeviceHour: parseOrThrow(CrashRate, options.baselineRate, '--baseline-rate') }),
      };
      const summary = summarizePlan(plan, sizing);
      print(summary, options.json, () => [formatTable(summary), regressionLine(plan, sizing, summary)].join('\n'));
    });

  program
    .command('start <file>')
    .description('start a rollout from a plan file; refused while another rollout runs on the same task queue')
    .option('--speedup <factor>', 'play plan time faster (1 = real time)', Number, 1)
    .addOption(byOption())
    .option('--wait', 'wait for the rollout to end and print its report')
    .addOption(jsonOption())
    .action(async (file: string, options: { speedup: number; by: string; wait?: boolean; json?: boolean }) => {
      const plan = await readPlanFile(file);
      await withClient(async (client) => {
        const handle = await client.start({ plan, speedup: options.speedup, startedBy: options.by });
        if (!options.wait) return print({ rolloutId: plan.rolloutId, workflowId: handle.workflowId }, options.json, () => `started ${plan.rolloutId} (workflow ${handle.workflowId})`);
        await handle.result();
        const report = await client.report(plan.rolloutId);
        print(report, options.json, () => formatReport(report));
        setExitCode(exitCodeOfReport(report));
      });
    });

  program
    .command('status <rolloutId>')
    .description("show a rollout's state, stages, counts, the decision it waits for and its last actions")
    .addOption(jsonOption())
    .action(async (rolloutId: string, options: JsonOptions) => {
      const { status, budget } = await withClient(async (client) => {
        const current = await client.status(rolloutId);
        return { status: current, budget: options.json || isFinished(current.state) ? undefined : await client.budgetIfRunning() };
      });
      print(status, options.json, () => formatStatus(status, budget));
    });

  program
    .command('watch <rolloutId>')
    .description('follow a rollout until it ends: progress bars on a terminal, one line (or with --json one JSON status) per change elsewhere')
    .option('--interval <ms>', 'how often to ask', Number, 500)
    .addOption(jsonOption())
    .action(async (rolloutId: string, options: JsonOptions & { interval: number }) => {
      const final = await withClient((client) => watchRollout(client, rolloutId, { intervalMs: options.interval, format: options.json ? 'json' : 'auto' }));
      setExitCode(exitCodeOfEnd(final.state));
    });

  program
    .command('list')
    .description('list rollouts, filtered by the search attributes they keep current')
    .addOption(new Option('--state <state>', 'RolloutState').choices(RolloutState.options))
    .option('--firmware <version>', 'FirmwareVersion')
    .option('--stage <name>', 'CurrentStage')
    .option('--running', 'only rollouts whose workflow still runs')
    .addOption(jsonOption())
    .action(async (options: JsonOptions & { state?: RolloutState; firmware?: string; stage?: string; running?: boolean }) => {
      const rows = await withClient((client) =>
        client.list({ ...(options.state && { state: options.state }), ...(options.firmware && { firmwareVersion: options.firmware }), ...(options.stage && { stage: options.stage }), ...(options.running && { running: true }) }),
      );
      print(rows, options.json, () => formatListing(rows));
    });

  operatorCommand(program, 'pause', 'stop starting new batches (devices in flight finish)', true).action(async (rolloutId: string, options: ReasonedOptions) => {
    await sendAck(rolloutId, options, (client) => client.pause(rolloutId, { by: options.by, reason: options.reason }));
  });

  operatorCommand(program, 'resume', 'go on after a pause or a held gate', false).action(async (rolloutId: string, options: OperatorOptions) => {
    await sendAck(rolloutId, options, (client) => client.resume(rolloutId, operator(options)));
  });

  operatorCommand(program, 'approve', 'let the stage that waits for approval start', false)
    .option('--stage <name>', 'the stage you mean to approve; refused if another one waits')
    .action(async (rolloutId: string, options: OperatorOptions & { stage?: string }) => {
      await sendAck(rolloutId, options, (client) => client.approve(rolloutId, { ...operator(options), ...(options.stage && { stage: options.stage }) }));
    });

  operatorCommand(program, 'rollback', 'stop and return updated devices to the firmware they ran before', true)
    .option('--scope <scope>', 'batch, stage, all, or a cohort as JSON: \'{"cohort": {"region": "eu-west"}}\'', 'all')
    .action(async (rolloutId: string, options: ReasonedOptions & { scope: string }) => {
      const scope = parseScope(options.scope);
      await sendAck(rolloutId, options, (client) => client.rollback(rolloutId, { by: options.by, reason: options.reason, scope }));
    });

  operatorCommand(program, 'abort', 'stop for good without rolling back; updated devices keep the new firmware', true).action(async (rolloutId: string, options: ReasonedOptions) => {
    await sendAck(rolloutId, options, (client) => client.abort(rolloutId, { by: options.by, reason: options.reason }));
  });

  program
    .command('budget')
    .description("the fleet budget (worker's FLEET_BUDGET_LIMIT): operations in flight, fleet-wide, and each rollout's leased and waiting operations")
    .option('--limit <n>', 'change the fleet-wide limit', (value) => parseOrThrow(BudgetLimit, value, '--limit'))
    .addOption(byOption())
    .addOption(jsonOption())
    .action(async (options: JsonOptions & { limit?: number; by: string }) => {
      const view = await withClient((client) => (options.limit === undefined ? client.budget() : client.setBudgetLimit({ limit: options.limit, by: options.by })));
      print(view, options.json, () => formatBudget(view));
    });

  program
    .command('hand-over <rolloutId>')
    .description('move the devices a rollout holds to another rollout (--to), or free them for the next rollout that starts; the rollout sends them no further command')
    .option('--to <rolloutId>', 'the rollout that takes them; left out, they are freed')
    .option('--devices <ids>', 'comma-separated device ids; left out, every device the rollout holds')
    .addOption(reasonOption(true))
    .addOption(byOption())
    .addOption(jsonOption())
    .action(async (from: string, options: ReasonedOptions & { to?: string; devices?: string }) => {
      const devices = options.devices?.split(',').map((id) => id.trim());
      const result = await withClient((client) => client.handOver({ from, by: options.by, reason: options.reason, ...(options.to && { to: options.to }), ...(devices && { devices }) }));
      print(result, options.json, () => formatHandOver(result));
    });

  program
    .command('kill-switch <flag>')
    .description('switch a feature flag off on every device that has it on, now: no stages or gates, as fast as the fleet service allows (exit 6 with --wait if devices are still on when its window closes)')
    .addOption(reasonOption(true))
    .addOption(byOption())
    .option('--wait', 'wait until every device reports the flag off (or the window closes)')
    .addOption(jsonOption())
    .action(async (flag: string, options: ReasonedOptions & { wait?: boolean }) => {
      const status = await withClient(async (client) => {
        const handle = await client.killSwitch({ flag, by: options.by, reason: options.reason });
        return options.wait ? handle.result() : client.killSwitchStatus(flag);
      });
      print(status, options.json, () => formatKillSwitch(status));
      if (options.wait && status.state !== 'off') setExitCode(ExitCode.notCompleted);
    });

  program
    .command('devices <rolloutId>')
    .description("per-device detail from the worker's ledger (the worker serves it at DEVICE_API_ADDRESS)")
    .addOption(new Option('--device-api <url>', "the worker's device API").env('DEVICE_API_URL').makeOptionMandatory())
    .option('--device <id>', 'one device in full')
    .addOption(new Option('--state <state>', 'only devices in this state').choices(DeviceState.options))
    .option('--stage <name>', 'only devices of this stage')
    .option('--limit <n>', 'at most this many', Number, 100)
    .option('--offset <n>', 'skip this many', Number, 0)
    .addOption(jsonOption())
    .action(async (rolloutId: string, options: JsonOptions & { deviceApi: string; device?: string; state?: DeviceState; stage?: string; limit: number; offset: number }) => {
      const api = new DeviceApiClient(options.deviceApi);
      if (options.device) {
        const device = await api.device(rolloutId, options.device);
        return print(device, options.json, () => formatDevice(device));
      }
      const page = await api.list(rolloutId, { state: options.state, stage: options.stage, limit: options.limit, offset: options.offset });
      print(page, options.json, () => formatDevicePage(page));
    });

  program
    .command('report <rolloutId>')
    .description('the report of an ended rollout: stages, counts, decisions and the audit trail (exit 7 while it runs)')
    .option('--wait', 'wait for the rollout to end first')
    .addOption(jsonOption())
    .action(async (rolloutId: string, options: JsonOptions & { wait?: boolean }) => {
      const report = await withClient(async (client): Promise<RolloutReportView> => {
        if (options.wait) await client.result(rolloutId).catch(() => undefined);
        return client.report(rolloutId);
      });
      print(report, options.json, () => formatReport(report));
      setExitCode(exitCodeOfReport(report));
    });

  return program;
}

function operatorCommand(program: Command, name: string, description: string, reasonRequired: boolean): Command {
  return program.command(`${name} <rolloutId>`).description(description).addOption(reasonOption(reasonRequired)).addOption(byOption()).addOption(jsonOption());
}

/** Undefined fields vanish on the way to the workflow (JSON), so an optional reason can be passed as is. */
const operator = ({ by, reason }: OperatorOptions) => ({ by, reason });

async function sendAck(rolloutId: string, options: OperatorOptions, send: (client: RolloutClient) => ReturnType<RolloutClient['pause']>): Promise<void> {
  const ack = await withClient(send);
  print(ack, options.json, () => formatAck(rolloutId, ack));
}

function parseScope(text: string): RollbackScope {
  let value: unknown = text;
  if (text.trim().startsWith('{')) {
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new InvalidInputError('--scope', [{ path: '(json)', message: (error as Error).message }]);
    }
  }
  return parseOrThrow(RollbackScope, value, '--scope');
}

if (require.main === module) {
  void runCli(process.argv).then((code) => (process.exitCode = code));
}
