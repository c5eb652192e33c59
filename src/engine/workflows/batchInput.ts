import type { CohortWindow } from '../model/maintenanceWindow';
import type { RetrySettings, ResolvedStage } from '../model/plan';
import type { PreflightRules } from '../model/preflight';
import type { DeviceCounts } from '../model/status';
import type { FirmwareRef } from '../ports/fleetProvider';
import type { Priority } from '../model/budget';

export interface BatchInput {
  rolloutId: string;
  stageIndex: number;
  batchIndex: number;
  stage: ResolvedStage;
  offset: number;
  devices: number;
  firmware: FirmwareRef;
  retry: RetrySettings;
  preflight: PreflightRules;
  maintenanceWindows: CohortWindow[];
  speedup: number;
  /** A batch of a catch-up round reads its devices from the round's list instead of its stage's targets. */
  catchUpRound?: number;
  /** The rollout's place in the fleet budget's queue. */
  priority?: Priority;
}

export interface BatchResult {
  counts: DeviceCounts;
}
