import { CohortAttribute, type RolloutReport } from './rolloutReport';

export const percent = (ratio: number | undefined): string => (ratio === undefined ? '–' : `${(100 * ratio).toFixed(1)} %`);
export const planHours = (ms: number): string => `${(ms / 3_600_000).toFixed(1)} h`;
const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`;
const mebibytes = (bytes: number): string => `${Math.round(bytes / 1024 ** 2)} MiB`;

/** A Markdown table whose columns are the rows' keys, in the order of the first row. */
export function markdownTable(rows: readonly Record<string, string | number>[]): string {
  if (rows.length === 0) return '(none)';
  const columns = Object.keys(rows[0]!);
  const line = (cells: readonly (string | number)[]) => `| ${cells.map((cell) => String(cell).replaceAll('|', '\\|')).join(' | ')} |`;
  return [line(columns), line(columns.map(() => '---')), ...rows.map((row) => line(columns.map((column) => row[column] ?? '')))].join('\n');
}

/** How the rollout ended, or where the demo stopped it. */
export function ending(report: RolloutReport): string {
  const state = report.state.replaceAll('_', ' ');
  const last = report.decisions.at(-1);
  if (report.stoppedBy === 'limit') return `${state}: still running after ${planHours(report.run.planTimeMs)} of plan time; the demo stopped there`;
  if (!last) return state;
  const decided = `${last.stage} ${last.gate}: ${last.action.replaceAll('_', ' ')} (${last.reason})`;
  return report.stoppedBy === 'held' ? `${state}: held for an operator after ${decided}; the demo stopped there` : `${state} after ${decided}`;
}

/** Where the fleet ended up, in one line: the demo's first line of its summary and the chart's title. */
export function headline({ fleet, firmwareVersion }: RolloutReport): string {
  return `${fleet.updated}/${fleet.devices} gateways on ${firmwareVersion} (${percent(fleet.successRate)}) · peak management CPU ${Math.round(fleet.peakCpuPercent)} %`;
}

export function runLine({ run }: RolloutReport): string {
  return `${run.devices} simulated gateways, seed ${run.seed}, profile ${run.profile}, plan ${run.plan}, ${mebibytes(run.imageBytes)} image, ${planHours(run.planTimeMs)} of plan time played ${run.speedup}× faster in ${seconds(run.wallTimeMs)}`;
}

/** A row per stage: the workflow's counts and its success among the devices tried. */
export const stageRows = (report: RolloutReport): Record<string, string | number>[] =>
  report.stages.map((stage) => ({
    stage: stage.name,
    state: stage.state,
    batches: `${stage.batchesDone}/${stage.batches}`,
    devices: stage.devices,
    succeeded: stage.succeeded,
    failed: stage.failed,
    deferred: stage.deferred,
    'rolled back': stage.rolledBack,
    pending: stage.pending,
    success: percent(stage.successRate),
  }));

const COHORT_TITLES: Record<CohortAttribute, string> = { hardwareRevision: 'hardware revision', region: 'region' };

export function reportMarkdown(report: RolloutReport, chartFile: string): string {
  const { fleet } = report;
  const sections = [
    `# Rollout ${report.rolloutId}`,
    `**${ending(report)}** · ${headline(report)}`,
    `${runLine(report)}. Every figure below is measured: gateways and the management service from the simulator's ground truth (\`/sim/metrics\`, \`/sim/devices\`, \`/sim/outcome\`) at the end, stages and reasons from the workflow's status and ledger.`,
    `![timeline: devices by state over plan time, stages as bands, management CPU below](${chartFile})`,
    '## Fleet',
    markdownTable([
      { measure: `on ${report.firmwareVersion}, working`, value: `${fleet.updated} / ${fleet.devices} (${percent(fleet.successRate)})` },
      { measure: 'not updated, on a working image', value: fleet.notUpdated },
      { measure: 'need a person (agent wedged, battery dead)', value: `${fleet.needsManualIntervention} (${fleet.wedged} wedged, ${fleet.dead} dead)` },
      { measure: 'peak management CPU', value: `${Math.round(fleet.peakCpuPercent)} %` },
      { measure: 'peak operations in flight', value: fleet.peakOperationsInFlight },
      { measure: 'adaptive concurrency limit (lowest–highest)', value: fleet.adaptiveLimit ? `${fleet.adaptiveLimit.lowest}–${fleet.adaptiveLimit.highest}` : 'not set' },
      { measure: 'gateways disconnected (by load)', value: `${fleet.devicesDisconnected} (${fleet.devicesDisconnectedByLoad})` },
      { measure: 'disconnections', value: fleet.disconnections },
      { measure: 'requests refused (429)', value: fleet.requestsRefused },
      { measure: `crashes per gateway-hour on ${report.firmwareVersion}`, value: fleet.crashesPerHourOnTarget },
      { measure: 'operator actions', value: report.operatorActions },
    ]),
    '## Stages',
    markdownTable(stageRows(report)),
    '## Gate decisions',
    report.decisions.length === 0 ? 'None: no gate stopped a stage.' : report.decisions.map((decision) => `- ${decision.stage}, ${decision.gate}: **${decision.action.replaceAll('_', ' ')}** (${decision.reason})`).join('\n'),
    '## Not updated, by reason',
    markdownTable(
      report.notUpdated.map((row) => ({
        'workflow outcome': row.ending.replaceAll('_', ' '),
        reason: row.reason,
        gateways: row.devices,
        'need a person': row.needsManualIntervention,
        example: row.example || '–',
      })),
    ),
    ...CohortAttribute.options.flatMap((attribute) => [
      `## By ${COHORT_TITLES[attribute]}`,
      markdownTable(
        report.cohorts
          .filter((row) => row.attribute === attribute)
          .map((row) => ({
            [COHORT_TITLES[attribute]]: row.value,
            gateways: row.devices,
            updated: `${row.updated} (${percent(row.updated / row.devices)})`,
            failed: row.failed,
            deferred: row.deferred,
            'rolled back': row.rolledBack,
            'not reached': row.notReached,
            'need a person': row.needsManualIntervention,
          })),
      ),
    ]),
    '## Firmware versions',
    markdownTable(
      [...new Set([...Object.keys(report.versions.before), ...Object.keys(report.versions.after)])].sort().map((version) => ({
        version,
        before: report.versions.before[version] ?? 0,
        after: report.versions.after[version] ?? 0,
      })),
    ),
  ];
  return `${sections.join('\n\n')}\n`;
}
