import { z } from 'zod';
import { stream } from '../simulator/random';
import { signImage, type SigningKeyPair } from '../../src/adapters/artifacts/verify';
import type { ImageDescription } from './contract';
import { sha256Hex } from './digest';
import { applyDelta, encodeDelta, type Patch } from './delta';

/** Deltas are published from this many earlier versions; older gateways get the full image. */
export const DELTA_BASE_VERSIONS = 3;

export const CatalogOptions = z.object({
  /** Oldest first; each version changes one region of the previous image. */
  versions: z.array(z.string().min(1)).min(1),
  imageSizeBytes: z.number().int().positive(),
  /** The share of the image a version rewrites: what a delta from the previous version carries. */
  changedShare: z.number().positive().max(1).default(0.1),
  seed: z.number().int().nonnegative().default(1),
  keyId: z.string().min(1),
});
export type CatalogOptions = z.input<typeof CatalogOptions>;

export interface StoredObject {
  bytes: Buffer;
  sha256: string;
}

export interface SignedImage extends StoredObject {
  signature: string;
}

/**
 * Firmware images and their deltas, built deterministically in memory (so sized for tests and
 * demos, not for 150 MB). Version k is version k−1 with one region rewritten; a delta is the
 * patches between two versions, and applying it to the old image gives the new one bit for bit.
 */
export class ArtifactCatalog {
  readonly keyId: string;
  private readonly versions: string[];
  private readonly patchesByVersion: Patch[];
  private readonly images = new Map<string, SignedImage>();
  private readonly deltas = new Map<string, StoredObject>();

  constructor(options: CatalogOptions, signingKey: SigningKeyPair) {
    const { versions, imageSizeBytes, changedShare, seed, keyId } = CatalogOptions.parse(options);
    this.keyId = keyId;
    this.versions = versions;
    const changedBytes = Math.max(1, Math.floor(imageSizeBytes * changedShare));
    this.patchesByVersion = versions.map((version, index) => versionPatch(seed, version, index, imageSizeBytes, changedBytes));
    let image = randomBytes(stream(seed, 'base-image'), imageSizeBytes);
    for (const [index, version] of versions.entries()) {
      image = applyDelta(image, encodeDelta([this.patchesByVersion[index]!]));
      this.images.set(version, { bytes: image, ...signImage(image, signingKey.privateKeyPem) });
    }
  }

  image(version: string): SignedImage | undefined {
    return this.images.get(version);
  }

  /** The delta from `fromVersion` to `version`, published only from the last DELTA_BASE_VERSIONS versions. */
  delta(version: string, fromVersion: string): StoredObject | undefined {
    if (!this.deltaBases(version).includes(fromVersion)) return undefined;
    const key = `${fromVersion}\u0000${version}`;
    const cached = this.deltas.get(key);
    if (cached) return cached;
    const from = this.versions.indexOf(fromVersion);
    const to = this.versions.indexOf(version);
    // A later version may rewrite an earlier one's region: the bytes come from the target image.
    const target = this.image(version)!.bytes;
    const patches = this.patchesByVersion.slice(from + 1, to + 1).map(({ offset, bytes }) => ({ offset, bytes: target.subarray(offset, offset + bytes.length) }));
    const bytes = encodeDelta(patches);
    const delta = { bytes, sha256: sha256Hex(bytes) };
    this.deltas.set(key, delta);
    return delta;
  }

  /** What the metadata endpoint says about a version, before it adds URLs. */
  describe(version: string): ImageDescription | undefined {
    const image = this.image(version);
    if (!image) return undefined;
    const deltas = this.deltaBases(version).map((fromVersion) => {
      const delta = this.delta(version, fromVersion)!;
      return { fromVersion, sizeBytes: delta.bytes.length, sha256: delta.sha256 };
    });
    return { version, sizeBytes: image.bytes.length, sha256: image.sha256, signature: image.signature, keyId: this.keyId, deltas };
  }

  deltaBases(version: string): string[] {
    const index = this.versions.indexOf(version);
    return index < 0 ? [] : this.versions.slice(Math.max(0, index - DELTA_BASE_VERSIONS), index);
  }
}

/** Each version rewrites its own region, spread over the image so deltas from older versions grow. */
function versionPatch(seed: number, version: string, index: number, imageSizeBytes: number, changedBytes: number): Patch {
  const random = stream(seed, 'version', version);
  const offset = Math.floor(random() * Math.max(1, imageSizeBytes - changedBytes));
  return { offset, bytes: index === 0 ? Buffer.alloc(0) : randomBytes(random, changedBytes) };
}

function randomBytes(random: () => number, size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let index = 0; index < size; index++) bytes[index] = Math.floor(random() * 256);
  return bytes;
}
