export { rolloutWorkflow } from './rollout';
export { stageWorkflow } from './stage';
export { batchWorkflow } from './batch';
export { catchUpWorkflow } from './catchUp';
export { healthWatchWorkflow } from './healthWatch';
export { handOverWorkflow } from './handOver';
export { fleetBudgetWorkflow } from './fleetBudget';
export { alertDeliveryWorkflow } from './alertDelivery';
