import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { HandOverRequest, type HandOverResult } from '../model/deviceClaims';
import { FailureType } from '../model/failures';
import { issueLine } from '../model/validation';
import { BATCH_BOOKKEEPING } from './activityOptions';

const { handOverDevices } = proxyActivities<Activities>({ ...BATCH_BOOKKEEPING, summary: 'move the device claims in the ledger' });

/**
 * An operator hands devices from one rollout to another, or frees them, e.g. those a terminated
 * rollout still holds. A workflow rather than a direct ledger write: the worker owns the ledger
 * (an embedded one opens in its process only), and the history keeps who did it and why.
 */
export async function handOverWorkflow(request: HandOverRequest): Promise<HandOverResult> {
  const parsed = HandOverRequest.safeParse(request);
  if (!parsed.success) {
    throw ApplicationFailure.nonRetryable(`hand-over request is invalid: ${issueLine(parsed.error)}`, FailureType.RequestRejected);
  }
  return handOverDevices(parsed.data);
}
