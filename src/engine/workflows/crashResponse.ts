import { condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { cohortSelector, describeFinding, type CohortAttribute } from '../model/health/cohortEvidence';
import type { ResolvedRolloutInput } from '../model/rollout';
import type { Decision } from '../model/status';
import { scaled } from '../model/planMath';
import { crashFindingSignal, type CrashFinding } from './engineMessages';
import type { RolloutControl } from './rolloutControl';
import { nowIso, nowMs } from './workflowTime';
import { BATCH_BOOKKEEPING } from './activityOptions';

const { quarantineFirmware } = proxyActivities<Activities>({
  ...BATCH_BOOKKEEPING,
  summary: 'quarantine the firmware, for the regressed cohort or for all',
});

/**
 * What the rollout does when its health watch finds a crash-rate regression. Confined to cohorts:
 * each is rolled back, withdrawn from the rollout and its firmware quarantined for it, and the rest
 * waits (for the finding's severity deadline, then goes on; or for an operator, as the plan says).
 * Fleet-wide: everything is rolled back and the firmware quarantined for all.
 */
export class CrashResponse {
  /** Counts findings, so a deadline only resumes the rollout if no later finding came. */
  private findings = 0;

  constructor(
    private readonly input: ResolvedRolloutInput,
    private readonly control: RolloutControl,
  ) {}

  install(): void {
    setHandler(crashFindingSignal, (finding) => this.respond(finding));
  }

  private async respond(finding: CrashFinding): Promise<void> {
    if (this.control.stopRequested) return;
    const { evidence } = this.input.plan.health;
    const described = finding.findings.map((cohort) => describeFinding(cohort, evidence.cohortBy)).join('; ');
    if (finding.fleetWide || evidence.cohortBy === 'none') {
      this.control.rollBackBecause(this.decision('roll_back', `fleet-wide crash-rate regression (${finding.response.severity}): ${described}`));
      await this.quarantine(described);
      return;
    }
    const mine = ++this.findings;
    for (const cohort of finding.findings) await this.rollBackCohort(evidence.cohortBy, cohort.cohort, describeFinding(cohort, evidence.cohortBy), finding);
    if (evidence.afterCohortRollback === 'deadline') await this.resumeAtDeadline(mine, finding);
  }

  private async rollBackCohort(by: Exclude<CohortAttribute, 'none'>, cohort: string, described: string, finding: CrashFinding): Promise<void> {
    const deadline = evidenceDeadline(this.input, finding);
    const reason = `crash-rate regression (${finding.response.severity}) on ${described}; the rest ${deadline ? 'goes on at the deadline' : 'waits for an operator'}`;
    await this.control.rollBackCohort(cohortSelector(by, cohort), this.decision('roll_back', reason, deadline));
    await this.quarantine(described, { attribute: by, value: cohort });
  }

  private async resumeAtDeadline(mine: number, finding: CrashFinding): Promise<void> {
    const waitMs = scaled(finding.response.deadlineMs, this.input.speedup);
    const decided = await condition(() => !this.control.isPaused || this.control.stopRequested || this.findings !== mine, waitMs);
    if (decided) return;
    await this.control.resumeAfterDeadline(this.decision('continue', `the ${finding.response.deadline} deadline passed with the regressed cohorts rolled back: the rest of the fleet goes on`));
  }

  /** A flag has no firmware to quarantine: rolling it back is the whole response. */
  private async quarantine(reason: string, cohort?: { attribute: string; value: string }): Promise<void> {
    const { plan } = this.input;
    if (plan.kind === 'flag') return;
    await quarantineFirmware({ version: plan.firmware.version, reason: `rollout ${plan.rolloutId}: ${reason}`, ...(cohort ? { cohort } : {}) });
    this.control.firmwareQuarantined(cohort && `${cohort.attribute}=${cohort.value}`);
  }

  private decision(action: Decision['action'], reason: string, deadline?: string): Decision {
    return { at: nowIso(), stage: this.control.status.currentStage ?? '', gate: 'health', action, reason, ...(deadline ? { deadline } : {}) };
  }
}

/** When the rest of the fleet goes on by itself, if the plan lets a deadline decide. */
function evidenceDeadline({ plan, speedup }: ResolvedRolloutInput, finding: CrashFinding): string | undefined {
  if (plan.health.evidence.afterCohortRollback !== 'deadline') return undefined;
  return new Date(nowMs() + scaled(finding.response.deadlineMs, speedup)).toISOString();
}
