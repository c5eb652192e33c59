import { Context } from '@temporalio/activity';
import type { ArtifactVerifier, VerifiedArtifact } from '../ports/artifactVerifier';
import type { FirmwareRef } from '../ports/fleetProvider';
import type { Ledger } from '../ports/ledger';
import { assertNotQuarantined, quarantineFirmware as quarantineRecord, type FirmwareQuarantine } from '../model/policy/quarantine';

export function createArtifactActivities({ artifacts, ledger }: { artifacts: ArtifactVerifier; ledger: Ledger }) {
  /**
   * Refuses quarantined firmware, then downloads the image once and checks its SHA-256 and
   * signature: all before any device is touched.
   */
  async function verifyFirmware(firmware: FirmwareRef): Promise<VerifiedArtifact> {
    assertNotQuarantined(firmware.version, await ledger.quarantined());
    const context = Context.current();
    return artifacts.verify(firmware, {
      signal: context.cancellationSignal,
      onProgress: (bytesRead) => context.heartbeat(bytesRead),
    });
  }

  /** So that no rollout can ship this firmware again: to any device, or with `cohort` to that cohort's devices. */
  async function quarantineFirmware({ version, reason, cohort }: { version: string; reason: string; cohort?: FirmwareQuarantine['cohort'] }): Promise<void> {
    await ledger.quarantine(quarantineRecord(version, reason, Date.now(), cohort));
  }

  return { verifyFirmware, quarantineFirmware };
}
