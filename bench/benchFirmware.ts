import { createArtifactServer, serveArtifacts, type ArtifactSource } from '../src/artifacts/artifactServer';
import { imagePath } from '../src/artifacts/contract';
import { firmwareImage } from '../src/artifacts/firmwareImage';
import { createSigningKeyPair, signImage, type TrustedKeys } from '../src/artifacts/verify';
import type { FirmwareRef } from '../src/fleet/provider';

const KEY_ID = 'bench';
/** The worker downloads the image once to verify it; that is not the fleet's traffic, so no limit. */
const UNLIMITED_MBPS = 100_000;

export interface BenchFirmware {
  firmware: FirmwareRef;
  trustedKeys: TrustedKeys;
  close(): Promise<void>;
}

/**
 * The seed's image at its real size, served over HTTP and signed with a key made for this run: the
 * worker's integrity check passes on the image the fleet is told to move (the plan file carries a
 * 1 MiB stand-in, which would make every strategy look cheap).
 */
export async function serveBenchFirmware(version: string, sizeBytes: number): Promise<BenchFirmware> {
  const key = createSigningKeyPair();
  const image = firmwareImage(version, sizeBytes);
  const signed = signImage(image, key.privateKeyPem);
  const source: ArtifactSource = {
    describe: async (wanted) => (wanted === version ? { version, sizeBytes, ...signed, keyId: KEY_ID, deltas: [] } : undefined),
    image: async (wanted) => (wanted === version ? image : undefined),
    delta: async () => undefined,
  };
  const served = await serveArtifacts(createArtifactServer(source, { perConnectionMbps: UNLIMITED_MBPS, totalMbps: UNLIMITED_MBPS }));
  return {
    firmware: { version, url: served.url + imagePath(version), sizeBytes, ...signed, keyId: KEY_ID },
    trustedKeys: { [KEY_ID]: key.publicKeyPem },
    close: () => served.close(),
  };
}
