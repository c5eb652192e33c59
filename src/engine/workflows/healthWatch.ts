import { allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  absorb,
  emptyEvidenceState,
  findingOf,
  isFleetWide,
  newlyRegressed,
  type EvidencePolicy,
  type EvidenceState,
} from '../model/health/cohortEvidence';
import { crashResponse, mostUrgent, type SeverityPolicy } from '../model/health/severity';
import { EVIDENCE_POLLS_PER_RUN } from '../model/historyBudget';
import { scaled } from '../model/planMath';
import type { HealthTarget } from '../model/deviceChange';
import { crashFindingSignal, type CrashFinding } from './engineMessages';
import { MIN_REAL_HEALTH_POLL_MS } from './monitoring';
import { BATCH_ROLLBACK } from './activityOptions';

const { observeCrashEvidence } = proxyActivities<Activities>({
  ...BATCH_ROLLBACK,
  summary: 'read the crash counters of the updated devices and the control',
});

export interface HealthWatchInput extends HealthTarget {
  rolloutId: string;
  rolloutWorkflowId: string;
  evidence: EvidencePolicy;
  severity: SeverityPolicy;
  /** The fleet's crash rate before the rollout: the reference while a cohort's control is thin. */
  baselineRatePerDeviceHour: number;
  speedup: number;
  /** Carried across continue-as-new. */
  state?: EvidenceState;
}

/**
 * The crash test of a rollout, from its first update to its end: every poll adds each cohort's
 * crashes and device-hours on the new firmware and on the control to its evidence, and a cohort
 * whose evidence passes the halting level is reported to the rollout, which rolls it back. It runs
 * until the rollout cancels it.
 */
export async function healthWatchWorkflow(input: HealthWatchInput): Promise<void> {
  let state = input.state ?? emptyEvidenceState();
  const pollEvery = scaled(Math.max(input.evidence.pollInterval, MIN_REAL_HEALTH_POLL_MS * input.speedup), input.speedup);
  for (let poll = 0; ; poll++) {
    if (poll >= EVIDENCE_POLLS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof healthWatchWorkflow>({ ...input, state });
    }
    await sleep(pollEvery);
    const observed = await observeCrashEvidence({
      rolloutId: input.rolloutId,
      firmwareVersion: input.firmwareVersion,
      flag: input.flag,
      observedDevices: input.evidence.observedDevices,
      withdrawnCohorts: state.regressed,
    });
    state = absorb(state, observed.increments, observed.targetsByCohort, input.baselineRatePerDeviceHour);
    const found = newlyRegressed(state, input.evidence);
    if (found.length === 0) continue;
    state = { ...state, regressed: [...state.regressed, ...found.map((cohort) => cohort.cohort)] };
    await report(input, state, found.map((cohort) => findingOf(cohort, input.baselineRatePerDeviceHour)));
  }
}

async function report(input: HealthWatchInput, state: EvidenceState, findings: CrashFinding['findings']): Promise<void> {
  const responses = findings.map((finding) => crashResponse(finding.ratio?.ratio ?? 1, input.severity));
  const finding: CrashFinding = {
    findings,
    fleetWide: isFleetWide(state.regressed, state.targetsByCohort, input.evidence),
    response: mostUrgent(responses)!,
  };
  await getExternalWorkflowHandle(input.rolloutWorkflowId).signal(crashFindingSignal, finding);
}
