/** What a gateway asks for when it downloads an image for real. */
export interface TransferRequest {
  deviceId: string;
  region: string;
  installedVersion: string;
  targetVersion: string;
}

/**
 * Moves firmware to a gateway for real, over HTTP (`rig/artifacts/httpTransfer.ts`), instead of
 * over the simulated uplink. Such downloads are chunked and resumable: a dropped connection delays
 * them but no longer wedges the agent.
 */
export interface FirmwareTransfer {
  fetch(request: TransferRequest): Promise<{ bytesTransferred: number }>;
}

export type TransferState = { state: 'running' } | { state: 'done'; bytesTransferred: number } | { state: 'failed' };
