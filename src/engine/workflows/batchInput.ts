import type { CohortWindow } from '../model/maintenanceWindow';
import type { RetrySettings, ResolvedStage } from '../model/plan';
import type { DeviceChange } from '../model/deviceChange';
import type { DeviceCounts } from '../model/status';
import type { Priority } from '../model/budget';

export type BatchInput = BatchSettingsInput & DeviceChange;

interface BatchSettingsInput {
  rolloutId: string;
  stageIndex: number;
  batchIndex: number;
  stage: ResolvedStage;
  offset: number;
  devices: number;
  retry: RetrySettings;
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
