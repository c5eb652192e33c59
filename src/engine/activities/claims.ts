import type { HandOverRequest, HandOverResult } from '../model/deviceClaims';
import type { ActivityDependencies } from './dependencies';

export function createClaimActivities({ ledger }: Pick<ActivityDependencies, 'ledger'>) {
  /** Frees the devices a rollout held, once it has ended, for the next rollout to claim. */
  async function releaseDeviceClaims(rolloutId: string): Promise<number> {
    return ledger.releaseClaims(rolloutId);
  }

  /** An operator's hand-over (see `handOverWorkflow`); `by` and `reason` stay in its history. */
  async function handOverDevices({ from, to, devices }: HandOverRequest): Promise<HandOverResult> {
    return ledger.handOver({ from, to, devices });
  }

  return { releaseDeviceClaims, handOverDevices };
}
