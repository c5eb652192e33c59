import { ApplicationFailure, continueAsNew, proxyActivities, setCurrentDetails, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { FailureType } from '../model/failures';
import { addPage, endPass, KillSwitchRequest, startProgress, type KillSwitchInput, type KillSwitchProgress, type KillSwitchState, type KillSwitchStatus } from '../model/killSwitch';
import { withoutDefaults } from '../model/resolved';
import { issueLine } from '../model/validation';
import { FLEET_WIDE } from './activityOptions';
import { killSwitchQuery } from './killSwitchMessages';
import { nowMs } from './workflowTime';

const { switchOffPage } = proxyActivities<Activities>({ ...FLEET_WIDE, summary: 'switch the flag off on one inventory page' });

const ResolvedKillSwitch = withoutDefaults(KillSwitchRequest);

/**
 * The kill switch: pages through the whole inventory, switching the flag off on every device that
 * reports it on, with no stages or gates; then passes again every `recheckInterval` while any device
 * still reports it on (an offline one applies its command when it reconnects, or its command timed
 * out and the next pass sends it again), until none does or the window closes. Continues as new
 * every `pagesPerRun` pages, so its history stays bounded at any fleet size.
 */
export async function killSwitchWorkflow(input: KillSwitchInput, carried?: KillSwitchProgress): Promise<KillSwitchStatus> {
  const parsed = ResolvedKillSwitch.safeParse(input);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`kill switch request is invalid: ${issueLine(parsed.error)}`, FailureType.InvalidPlan);
  const request = parsed.data;
  let progress = carried ? { ...carried, runs: carried.runs + 1 } : startProgress(request.flag, nowMs());
  let state: KillSwitchState = 'switching_off';
  const status = (): KillSwitchStatus => ({ ...progress, flag: request.flag, state, by: request.by, reason: request.reason });
  setHandler(killSwitchQuery, status);

  for (let pages = 0; ; ) {
    publish(status());
    if (pages >= request.pagesPerRun || workflowInfo().continueAsNewSuggested) return continueAsNew<typeof killSwitchWorkflow>(request, progress);
    progress = addPage(progress, await switchOffPage({ flag: request.flag, correlationId: progress.correlationId, pageSize: request.pageSize, ...(progress.cursor ? { cursor: progress.cursor } : {}) }));
    pages += 1;
    if (progress.cursor !== undefined) continue;
    const ended = endPass(progress);
    progress = ended.progress;
    if (ended.done) state = 'off';
    else if (nowMs() + request.recheckInterval > progress.startedAtMs + request.window) state = 'window_closed';
    if (state !== 'switching_off') break;
    state = 'rechecking';
    publish(status());
    await sleep(request.recheckInterval);
    state = 'switching_off';
  }
  publish(status());
  return status();
}

/** The kill switch as the Web UI's Current Details. */
function publish(status: KillSwitchStatus): void {
  const last = status.lastFullPass;
  setCurrentDetails(
    [
      `**Kill switch ${status.flag}**: ${status.state.replaceAll('_', ' ')} (by ${status.by}: ${status.reason})`,
      '',
      `pass ${status.pass.number}: ${status.pass.scanned} devices read, ${status.pass.on} on, ${status.pass.commanded} commanded, ${status.pass.waiting} waiting for their device`,
      ...(last ? [`last full pass (${last.number}): ${last.on} devices still on, ${last.waiting} of them waiting`] : []),
      `${status.commanded} commands sent in all`,
    ].join('\n'),
  );
}
