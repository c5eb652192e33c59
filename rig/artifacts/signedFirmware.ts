import { createArtifactServer, serveArtifacts, type ArtifactSource } from './artifactServer';
import { imagePath } from './contract';
import { firmwareImage } from './firmwareImage';
import { createSigningKeyPair, signImage, type TrustedKeys } from '../../src/adapters/artifacts/verify';
import type { FirmwareRef } from '../../src/engine/ports/fleetProvider';

/** The worker downloads the image once to verify it; that is not the fleet's traffic, so no limit. */
const UNLIMITED_MBPS = 100_000;

export interface SignedFirmware {
  firmware: FirmwareRef;
  trustedKeys: TrustedKeys;
  close(): Promise<void>;
}

/**
 * An image of any size, served over HTTP and signed with a key made for this run: the worker's
 * integrity check passes on the image the fleet is told to move. The plan file carries a 1 MiB
 * stand-in; the simulated fleet's downloads take as long as the size given here says.
 */
export async function serveSignedFirmware(version: string, sizeBytes: number, keyId: string): Promise<SignedFirmware> {
  const key = createSigningKeyPair();
  const image = firmwareImage(version, sizeBytes);
  const signed = signImage(image, key.privateKeyPem);
  const source: ArtifactSource = {
    describe: async (wanted) => (wanted === version ? { version, sizeBytes, ...signed, keyId, deltas: [] } : undefined),
    image: async (wanted) => (wanted === version ? image : undefined),
    delta: async () => undefined,
  };
  const served = await serveArtifacts(createArtifactServer(source, { perConnectionMbps: UNLIMITED_MBPS, totalMbps: UNLIMITED_MBPS }));
  return {
    firmware: { version, url: served.url + imagePath(version), sizeBytes, ...signed, keyId },
    trustedKeys: { [keyId]: key.publicKeyPem },
    close: () => served.close(),
  };
}
