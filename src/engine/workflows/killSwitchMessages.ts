import { defineQuery } from '@temporalio/workflow';
import type { KillSwitchStatus } from '../model/killSwitch';

/** Where the kill switch stands: its pass, the devices it commanded and those still on. */
export const killSwitchQuery = defineQuery<KillSwitchStatus>('killSwitchStatus');
