import { Context } from '@temporalio/activity';
import { SignedArtifact, verifyArtifact, type TrustedKeys, type VerifiedArtifact } from '../artifacts/verify';
import type { FirmwareRef } from '../fleet/provider';
import type { Ledger } from '../ledger/ledger';
import { assertNotQuarantined, quarantineFirmware as quarantineRecord } from '../domain/policy/quarantine';

export function createArtifactActivities({ trustedKeys, ledger }: { trustedKeys: TrustedKeys; ledger: Ledger }) {
  /**
   * Refuses quarantined firmware, then downloads the image once and checks its SHA-256 and
   * signature: all before any device is touched.
   */
  async function verifyFirmware(firmware: FirmwareRef): Promise<VerifiedArtifact> {
    assertNotQuarantined(firmware.version, await ledger.quarantined());
    const context = Context.current();
    return verifyArtifact(SignedArtifact.parse({ url: firmware.url, sha256: firmware.sha256, signature: firmware.signature, keyId: firmware.keyId }), trustedKeys, {
      signal: context.cancellationSignal,
      onProgress: (bytesRead) => context.heartbeat(bytesRead),
    });
  }

  /** So that no rollout can ship this firmware again. */
  async function quarantineFirmware({ version, reason }: { version: string; reason: string }): Promise<void> {
    await ledger.quarantine(quarantineRecord(version, reason, Date.now()));
  }

  return { verifyFirmware, quarantineFirmware };
}
