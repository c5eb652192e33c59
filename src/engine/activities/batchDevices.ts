import type { Ledger, TargetDevice } from '../ports/ledger';

/** Where a batch's devices are: a range of a stage's targets, or of a catch-up round's list. */
export interface BatchSlice {
  rolloutId: string;
  stageIndex: number;
  offset: number;
  devices: number;
  catchUpRound?: number | undefined;
}

export const batchDevices = (ledger: Ledger, { rolloutId, stageIndex, offset, devices, catchUpRound }: BatchSlice): Promise<TargetDevice[]> =>
  catchUpRound === undefined ? ledger.stageDevices(rolloutId, stageIndex, offset, devices) : ledger.catchUpRoundDevices(rolloutId, catchUpRound, offset, devices);
