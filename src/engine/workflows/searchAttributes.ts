import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * The custom search attributes a rollout keeps current, so operators can filter the Web UI's list
 * (`RolloutState = "paused"`) and `rollout list` can find rollouts. They must be registered in the
 * namespace: temporal-dev.yml does it for the dev server.
 */
export const RolloutIdKey = defineSearchAttributeKey('RolloutId', 'KEYWORD');
export const FirmwareVersionKey = defineSearchAttributeKey('FirmwareVersion', 'KEYWORD');
export const RolloutStateKey = defineSearchAttributeKey('RolloutState', 'KEYWORD');
export const CurrentStageKey = defineSearchAttributeKey('CurrentStage', 'KEYWORD');

export const ROLLOUT_SEARCH_ATTRIBUTES = [RolloutIdKey, FirmwareVersionKey, RolloutStateKey, CurrentStageKey];
