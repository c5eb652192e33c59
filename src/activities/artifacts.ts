import { Context } from '@temporalio/activity';
import { SignedArtifact, verifyArtifact, type TrustedKeys, type VerifiedArtifact } from '../artifacts/verify';
import type { FirmwareRef } from '../fleet/provider';

export function createArtifactActivities({ trustedKeys }: { trustedKeys: TrustedKeys }) {
  /** Downloads the image once and checks its SHA-256 and signature before any device is touched. */
  async function verifyFirmware(firmware: FirmwareRef): Promise<VerifiedArtifact> {
    const context = Context.current();
    return verifyArtifact(SignedArtifact.parse({ url: firmware.url, sha256: firmware.sha256, signature: firmware.signature, keyId: firmware.keyId }), trustedKeys, {
      signal: context.cancellationSignal,
      onProgress: (bytesRead) => context.heartbeat(bytesRead),
    });
  }

  return { verifyFirmware };
}
