import { actorOf, type AuditEntry, type CatchUpStatus, type Decision, type PendingDecision, type RolloutStatus, type StageStatus } from '../model/status';
import { changeLabel } from '../model/deviceChange';

/**
 * The markdown the Web UI shows as the rollout's "Current Details": what it waits for, the last
 * operator action and gate decision with their reasons, progress, and a row per stage. The UI shows
 * it in a frame about five lines high, so what an operator must act on comes first.
 */
export function renderDashboard(status: RolloutStatus): string {
  return [
    `**${status.rolloutId}** → ${changeLabel(status)}: **${status.state.replaceAll('_', ' ').toUpperCase()}**`,
    status.pendingDecision && waitingLine(status.pendingDecision),
    lastOperatorLine(status.audit.at(-1), status.auditCount),
    lastDecisionLine(status.decisions.at(-1), status.decisionCount),
    progressLine(status),
    status.catchUp && catchUpLine(status.catchUp),
    stageTable([...status.stages, ...(status.catchUp ? [status.catchUp] : [])]),
  ]
    .filter((part): part is string => !!part)
    .join('\n\n');
}

const percent = (ratio: number | undefined): string => (ratio === undefined ? '–' : `${Math.round(ratio * 1000) / 10}%`);

function waitingLine(pending: PendingDecision): string {
  const deadline = pending.deadline ? `, decides itself at ${pending.deadline}` : '';
  const what = pending.kind === 'approve_stage' ? `approval of stage ${pending.stage}` : `a decision on stage ${pending.stage}`;
  return `⏸ **Waiting for ${what}** (${pending.reason}) since ${pending.since}${deadline}: send ${pending.options.join(', ')}`;
}

function progressLine(status: RolloutStatus): string {
  const { devices } = status;
  const total = Object.values(devices).reduce((sum, count) => sum + count, 0);
  const settled = total - devices.pending;
  const where = status.currentStage ? ` · stage ${status.currentStage}${status.currentBatch ? `, batch ${status.currentBatch.number} of ${status.currentBatch.of}` : ''}` : '';
  return `Progress: ${settled} of ${total} devices settled (${percent(total === 0 ? undefined : settled / total)}) · success ${percent(status.successRate)} · last batch ${percent(status.lastBatchSuccessRate)}${where}`;
}

function stageTable(stages: StageStatus[]): string {
  const header = ['| stage | state | batches | ok | failed | deferred | rolled back | pending | success |', '|---|---|---|--:|--:|--:|--:|--:|--:|'];
  const rows = stages.map(({ name, state, batchesDone, batches, counts, successRate }) =>
    `| ${name} | ${state.replaceAll('_', ' ')} | ${batchesDone} of ${batches} | ${counts.succeeded} | ${counts.failed} | ${counts.deferred} | ${counts.rolled_back} | ${counts.pending} | ${percent(successRate)} |`,
  );
  return [...header, ...rows].join('\n');
}

function catchUpLine({ state, round, devices, nextRecheckAt, windowClosesAt }: CatchUpStatus): string {
  const next = nextRecheckAt ? ` · round ${round}: ${devices} devices re-checked at ${nextRecheckAt}` : round > 0 ? ` · round ${round}: ${devices} devices` : '';
  return `**Catch-up** (devices that missed their turn) ${state.replaceAll('_', ' ')}${next} · window closes at ${windowClosesAt}`;
}

function lastDecisionLine(decision: Decision | undefined, count: number): string | undefined {
  return decision && `**Last decision:** ${decision.stage} ${decision.gate} → ${decision.action.replaceAll('_', ' ')}: ${decision.reason} · ${count} in all`;
}

function lastOperatorLine(entry: AuditEntry | undefined, count: number): string | undefined {
  if (!entry || entry.via === 'start') return undefined;
  const why = entry.reason ? ` — ${entry.reason}` : '';
  const refused = entry.rejected ? ` · **refused**: ${entry.rejected}` : '';
  return `**Last operator action:** ${entry.action} by ${actorOf(entry)}${why} (${entry.via})${refused} · audit trail of ${count}`;
}
