/**
 * The device side of an operation: the agent downloads (the world moves the bytes), verifies,
 * flashes the other slot, reboots into it and commits it after a crash-free confirmation window.
 */
import type { OperationState } from '../../src/engine/ports/fleetProvider';
import type { Gateway } from './gateway';
import type { SimulationModel } from './model';
import type { OperationStore, SimOperation } from './operations';
import type { FailureProfile } from './profiles';
import { stream } from './random';

const MB = 1024 * 1024;

export interface AgentContext {
  now: number;
  seed: number;
  model: SimulationModel;
  profile: FailureProfile;
  store: OperationStore;
}

/**
 * Forwards a queued command as soon as its gateway is connected, even when the service is
 * saturated: the seed's gateways all started downloading at once.
 */
export function dispatchQueued(operation: SimOperation, gateway: Gateway, context: AgentContext): void {
  const { now, model } = context;
  if (now - operation.createdAtMs >= model.management.operationTimeoutMs) return end(operation, gateway, context, 'failed', 'QUEUE_TIMEOUT');
  if (!gateway.online) return;
  if (gateway.agent !== 'idle') return end(operation, gateway, context, 'failed', 'DEVICE_BUSY');
  operation.dispatchedAtMs = now;
  gateway.job = operation;
  if (operation.kind === 'rollback') {
    if (gateway.previousVersion !== operation.targetVersion) return end(operation, gateway, context, 'failed', 'NO_PREVIOUS_IMAGE');
    return reboot(operation, gateway, context);
  }
  if (gateway.diskFreeMb < operation.sizeBytes / MB) return end(operation, gateway, context, 'failed', 'DISK_FULL');
  gateway.diskFreeMb -= operation.sizeBytes / MB;
  gateway.activity = 'downloading';
  context.store.transition(operation, 'downloading');
}

/** Called once the last byte arrived. */
export function downloaded(operation: SimOperation, gateway: Gateway, context: AgentContext): void {
  gateway.activity = 'verifying';
  operation.phaseEndsAtMs = context.now + gateway.traits.verifyMs;
  context.store.transition(operation, 'downloaded');
}

/**
 * The stock agent cannot resume: a download that is cut off or given up on leaves it in its
 * downloading state, refusing further updates until someone resets it.
 */
export function abandonDownload(operation: SimOperation, gateway: Gateway, context: AgentContext, errorCode: string): void {
  gateway.wedged = true;
  end(operation, gateway, context, 'failed', errorCode);
}

/** A resumable download that gave up cleanly: the agent is idle again. */
export function downloadFailed(operation: SimOperation, gateway: Gateway, context: AgentContext): void {
  gateway.diskFreeMb += operation.sizeBytes / MB;
  end(operation, gateway, context, 'failed', 'DOWNLOAD_FAILED');
}

/** Moves a timed phase on when its time is up. */
export function advanceTimedPhase(operation: SimOperation, gateway: Gateway, context: AgentContext): void {
  if (operation.phaseEndsAtMs === undefined || operation.phaseEndsAtMs > context.now) return;
  if (operation.state === 'downloaded') return install(operation, gateway, context);
  if (operation.state === 'installing') return flashed(operation, gateway, context);
  if (operation.state !== 'rebooting') return;
  if (operation.kind === 'rollback') {
    gateway.bootPreviousImage(context.now);
    return end(operation, gateway, context, 'succeeded');
  }
  if (gateway.confirmUntilMs === undefined) return bootNewImage(operation, gateway, context);
  gateway.confirmUntilMs = undefined;
  end(operation, gateway, context, 'succeeded');
}

/** A crash while the new image is on probation: the bootloader goes back to the previous slot. */
export function crashedOnProbation(operation: SimOperation, gateway: Gateway, context: AgentContext): void {
  gateway.bootPreviousImage(context.now);
  end(operation, gateway, context, 'rolled_back', 'HEALTH_CHECK_FAILED');
}

export function lostPower(operation: SimOperation, gateway: Gateway, context: AgentContext): void {
  end(operation, gateway, context, 'failed', 'POWER_LOSS');
}

function install(operation: SimOperation, gateway: Gateway, context: AgentContext): void {
  gateway.activity = 'installing';
  operation.phaseEndsAtMs = context.now + gateway.traits.installMs;
  context.store.transition(operation, 'installing');
}

function flashed(operation: SimOperation, gateway: Gateway, context: AgentContext): void {
  const { model, profile, now } = context;
  gateway.diskFreeMb += operation.sizeBytes / MB;
  if (gateway.batteryPercent !== null && gateway.batteryPercent < model.gateway.brownoutBatteryPercent) {
    gateway.die();
    return lostPower(operation, gateway, context);
  }
  const installRandom = stream(context.seed, gateway.id, 'install', operation.operationId);
  if (installRandom() < profile.installFailureProbability) return end(operation, gateway, context, 'failed', 'INSTALL_FAILED');
  gateway.startReboot(now, gateway.traits.rebootMs);
  operation.phaseEndsAtMs = now + gateway.traits.rebootMs;
  context.store.transition(operation, 'rebooting');
}

function reboot(operation: SimOperation, gateway: Gateway, context: AgentContext): void {
  gateway.startReboot(context.now, gateway.traits.rebootMs);
  operation.phaseEndsAtMs = context.now + gateway.traits.rebootMs;
  context.store.transition(operation, 'rebooting');
}

function bootNewImage(operation: SimOperation, gateway: Gateway, context: AgentContext): void {
  const confirmUntilMs = context.now + context.model.gateway.confirmWindowMs;
  gateway.bootNewImage(operation.targetVersion, context.now, confirmUntilMs);
  gateway.activity = 'idle';
  operation.phaseEndsAtMs = confirmUntilMs;
}

function end(operation: SimOperation, gateway: Gateway, context: AgentContext, state: OperationState, errorCode?: string): void {
  if (gateway.job === operation) {
    gateway.job = undefined;
    if (!gateway.dead) gateway.activity = 'idle';
  }
  context.store.transition(operation, state, errorCode);
}
