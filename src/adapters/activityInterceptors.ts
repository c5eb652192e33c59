import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { countOperationsInFlight } from './metrics/operationsInFlight';
import { honourRetryAfter } from './fleet/retryAfter';

/** What every worker wraps its activities in: the in-flight metric, and retries that wait as long as the service asked. */
export const activityInterceptors: ActivityInterceptorsFactory[] = [countOperationsInFlight, honourRetryAfter];
