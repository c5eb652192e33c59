import { formatTable } from '../../src/cli/format';
import { ending, headline, percent, stageRows } from './reportMarkdown';
import type { RolloutReport } from './rolloutReport';

const listing = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ') || 'none';

/** The report in a dozen lines for the terminal; the Markdown file has the rest. */
export function terminalSummary(report: RolloutReport): string {
  const { fleet } = report;
  const reasons = Object.fromEntries(report.notUpdated.map((row) => [`${row.ending.replaceAll('_', ' ')}${row.reason === '–' ? '' : ` (${row.reason})`}`, row.devices]));
  const byRevision = report.cohorts.filter((row) => row.attribute === 'hardwareRevision').map((row) => `${row.value} ${percent(row.updated / row.devices)}`);
  return [
    `${report.rolloutId}: ${ending(report)}`,
    headline(report),
    '',
    formatTable(stageRows(report)),
    '',
    `not updated: ${listing(reasons)}`,
    `updated by hardware revision: ${byRevision.join(', ')}`,
    `need a person: ${fleet.needsManualIntervention} (wedged ${fleet.wedged}, dead ${fleet.dead}) · disconnected ${fleet.devicesDisconnected} (by load ${fleet.devicesDisconnectedByLoad}) · operator actions ${report.operatorActions}`,
    `firmware before: ${listing(report.versions.before)} · after: ${listing(report.versions.after)}`,
    ...report.decisions.map((decision) => `decision at ${decision.stage} ${decision.gate}: ${decision.action} (${decision.reason})`),
  ].join('\n');
}
