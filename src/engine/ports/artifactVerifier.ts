import type { FirmwareRef } from './fleetProvider';

export interface VerifyOptions {
  signal?: AbortSignal;
  /** Called after each chunk with the bytes read so far, e.g. to heartbeat a long download. */
  onProgress?: (bytesRead: number) => void;
}

export interface VerifiedArtifact {
  sha256: string;
  sizeBytes: number;
}

/**
 * The port to the check every firmware image passes before any device gets it: its digest and a
 * signature by a key the worker trusts (never one the plan names).
 */
export interface ArtifactVerifier {
  verify(firmware: FirmwareRef, options: VerifyOptions): Promise<VerifiedArtifact>;
}
