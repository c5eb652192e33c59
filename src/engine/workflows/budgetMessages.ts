import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BudgetView, LeaseAnswer, LeaseRequest } from '../model/budget';

/** Asks for a lease, or asks again to keep it (or its place in the queue) alive. */
export const leaseUpdate = defineUpdate<LeaseAnswer, [LeaseRequest]>('lease');
/** The operations of a request are done: they go back to the budget. */
export const releaseSignal = defineSignal<[{ requestId: string }]>('release');
/** An operator changes the fleet-wide limit of operations in flight. */
export const setLimitUpdate = defineUpdate<BudgetView, [{ limit: number; by: string }]>('setLimit');
export const budgetQuery = defineQuery<BudgetView>('budget');
/** Where a request stands, without writing history: what a waiting requester polls. */
export const leaseQuery = defineQuery<LeaseAnswer | undefined, [string]>('leaseAnswer');
