import type { CohortWindow } from '../model/maintenanceWindow';
import type { RetrySettings, ResolvedStage } from '../model/plan';
import type { PreflightRules } from '../model/preflight';
import type { DeviceCounts } from '../model/status';
import type { FirmwareRef } from '../ports/fleetProvider';

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
}

export interface BatchResult {
  counts: DeviceCounts;
}
