import type { OperatorAck } from '../engine/workflows/messages';
import type { MissedReport } from '../engine/model/rollout';
import { actorOf, type AuditEntry, type RolloutStatus } from '../engine/model/status';
import type { HandOverResult } from '../engine/model/deviceClaims';
import { budgetHeadline, type BudgetView } from '../engine/model/budget';
import type { KillSwitchStatus } from '../engine/model/killSwitch';
import type { DeviceDetail, DevicePage } from '../adapters/deviceApi/deviceDetail';
import type { RolloutListing, RolloutReportView } from '../client';
import { changeLabel } from '../engine/model/deviceChange';

/** Plain-text views of the CLI's results; `--json` prints the same objects as JSON instead. */

export function formatTable(rows: readonly object[]): string {
  if (rows.length === 0) return '(none)';
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (row: object, column: string) => String((row as Record<string, unknown>)[column] ?? '');
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row, column).length)));
  const line = (cells: string[]) => cells.map((text, index) => text.padEnd(widths[index]!)).join('  ').trimEnd();
  return [line(columns), ...rows.map((row) => line(columns.map((column) => cell(row, column))))].join('\n');
}

const percent = (ratio: number | undefined) => (ratio === undefined ? '-' : `${Math.round(ratio * 1000) / 10}%`);

/** The plan's stages, then the catch-up phase once it began (its counts are its latest round's). */
const stageRows = ({ stages, catchUp }: RolloutStatus) =>
  [...stages, ...(catchUp ? [catchUp] : [])].map(({ name, devices, batchesDone, batches, state, counts, successRate }) => ({ stage: name, devices, batches: `${batchesDone}/${batches}`, state, ...counts, success: percent(successRate) }));

const auditLine = (entry: AuditEntry) =>
  `${entry.at}  ${entry.action} by ${actorOf(entry)} (${entry.via})${entry.reason ? `: ${entry.reason}` : ''}${entry.rejected ? `  REFUSED: ${entry.rejected}` : ''}`;

/** `stage pilot batch 2/4`, or undefined between stages. */
export const rolloutPosition = ({ currentStage, currentBatch }: RolloutStatus): string | undefined =>
  currentStage ? `stage ${currentStage}${currentBatch ? ` batch ${currentBatch.number}/${currentBatch.of}` : ''}` : undefined;

/** A rollout's status; with the fleet budget when one runs, so the limit on its operations in flight shows. */
export function formatStatus(status: RolloutStatus, budget?: BudgetView): string {
  const position = rolloutPosition(status);
  const where = position ? `  ${position}` : '';
  const pending = status.pendingDecision;
  return [
    `${status.rolloutId}  ${changeLabel(status)}  ${status.state}${where}  success ${percent(status.successRate)}`,
    ...(pending ? [`waiting for ${pending.options.join(' | ')} on stage ${pending.stage}: ${pending.reason}${pending.deadline ? ` (deadline ${pending.deadline})` : ''}`] : []),
    formatTable(stageRows(status)),
    ...claimedLines(status),
    ...(budget ? [budgetLine(budget, status.rolloutId)] : []),
    ...status.decisions.slice(-1).map((decision) => `last decision: ${decision.stage} ${decision.gate} ${decision.action}: ${decision.reason}  (${status.decisionCount} in all)`),
    ...status.audit.slice(-1).map((entry) => `last action: ${auditLine(entry)}  (audit trail of ${status.auditCount})`),
  ].join('\n');
}

export function formatReport({ execution, status, result }: RolloutReportView): string {
  const elapsed = result ? `  plan time ${Math.round(result.elapsedMs / 60_000)} min` : '';
  return [
    `${status.rolloutId}  ${changeLabel(status)}  ${result?.state ?? status.state} (workflow ${execution.toLowerCase()})${elapsed}`,
    formatTable(stageRows(status)),
    ...claimedLines(status),
    ...(result?.missed ? missedLines(result.missed) : []),
    `decisions:${latestOf(status.decisions.length, status.decisionCount)}`,
    ...(status.decisions.length ? status.decisions.map((decision) => `  ${decision.at}  ${decision.stage} ${decision.gate} ${decision.action}: ${decision.reason}`) : ['  (none)']),
    `audit trail:${latestOf(status.audit.length, status.auditCount)}`,
    ...status.audit.map((entry) => `  ${auditLine(entry)}`),
  ].join('\n');
}

/** Devices excluded because another rollout held them, naming it: hand them over (`rollout hand-over`) or wait for it to end. */
function claimedLines({ claimedElsewhere }: RolloutStatus): string[] {
  if (!claimedElsewhere) return [];
  return [`excluded, held by other rollouts: ${claimedElsewhere.map(({ rolloutId, devices }) => `${rolloutId} (${devices} devices)`).join(', ')}`];
}

function budgetLine(view: BudgetView, rolloutId: string): string {
  const own = view.rollouts.find((row) => row.rolloutId === rolloutId);
  return `fleet budget ${view.fleet}: ${budgetHeadline(view)}; this rollout ${own ? `leases ${own.leased}, waits for ${own.waiting}` : 'holds no lease now'}`;
}

export const formatBudget = (view: BudgetView): string => [`fleet budget ${view.fleet}: ${budgetHeadline(view)}`, formatTable(view.rollouts)].join('\n');

export const formatHandOver = ({ from, to, devices }: HandOverResult): string =>
  `${devices.length} devices of ${from} ${to === undefined ? 'freed for the next rollout' : `handed over to ${to}`}${devices.length ? `: ${devices.slice(0, 20).join(', ')}${devices.length > 20 ? ', …' : ''}` : ''}`;

export function formatKillSwitch({ flag, state, pass, lastFullPass, commanded }: KillSwitchStatus): string {
  const last = lastFullPass ? `; last full pass: ${lastFullPass.on} devices still on (${lastFullPass.waiting} waiting for their device)` : '';
  return `kill switch ${flag}: ${state.replaceAll('_', ' ')}, pass ${pass.number} (${pass.scanned} devices read so far), ${commanded} commands sent${last}`;
}

/** The status keeps only the latest entries: say so when it dropped some. */
const latestOf = (kept: number, count: number): string => (count > kept ? ` the latest ${kept} of ${count}` : '');

/** Who missed the rollout, by reason with counts, naming the first devices of each reason. */
function missedLines({ total, groups }: MissedReport): string[] {
  const lines = [`missed the rollout: ${total} devices${total ? ` (all of them: rollout devices <id> --state <state>)` : ''}`];
  for (const { reason, devices, examples } of groups) {
    lines.push(`  ${reason.replaceAll('_', ' ')}: ${devices}`);
    lines.push(...examples.map(({ deviceId, detail }) => `    ${deviceId}  ${detail}`));
    if (devices > examples.length) lines.push(`    … and ${devices - examples.length} more`);
  }
  return lines;
}

export const formatAck = (rolloutId: string, ack: OperatorAck): string => `${ack.accepted.action} accepted by ${rolloutId}: now ${ack.state}`;

export const formatListing = (rows: RolloutListing[]): string =>
  formatTable(rows.map(({ rolloutId, firmwareVersion, state, currentStage, execution, startedAt }) => ({ rollout: rolloutId, firmware: firmwareVersion, state, stage: currentStage, workflow: execution.toLowerCase(), started: startedAt })));

export const formatDevicePage = (page: DevicePage): string =>
  [formatTable(page.devices.map(deviceRow)), `${page.devices.length} of ${page.total} devices`].join('\n');

export const formatDevice = (device: DeviceDetail): string =>
  Object.entries(device)
    .map(([key, value]) => `${key.padEnd(12)} ${value}`)
    .join('\n');

const deviceRow = ({ deviceId, stage, state, attempts, fromVersion, fromFlag, reason }: DeviceDetail) => ({
  device: deviceId,
  stage,
  state,
  attempts,
  from: fromFlag === undefined ? fromVersion : `flag ${fromFlag ? 'on' : 'off'}`,
  reason,
});
