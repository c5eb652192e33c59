import { z } from 'zod';

/** The artifact service's routes, served alike by the origin and by every regional cache. */
export const ARTIFACT_ROUTES = {
  metadata: '/firmware/:version',
  image: '/firmware/:version/image',
  delta: '/firmware/:version/delta/:fromVersion',
  metrics: '/metrics',
} as const;

export const metadataPath = (version: string): string => `/firmware/${encodeURIComponent(version)}`;
export const imagePath = (version: string): string => `${metadataPath(version)}/image`;
export const deltaPath = (version: string, fromVersion: string): string => `${metadataPath(version)}/delta/${encodeURIComponent(fromVersion)}`;

export const DeltaDescription = z.object({ fromVersion: z.string(), sizeBytes: z.number().int().nonnegative(), sha256: z.string() });

/** An image as its source knows it; the server adds where to fetch it. */
export const ImageDescription = z.object({
  version: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  /** Hex SHA-256 of the full image. */
  sha256: z.string(),
  /** Base64 Ed25519 signature over the raw SHA-256 digest (`src/adapters/artifacts/verify.ts`). */
  signature: z.string(),
  keyId: z.string(),
  deltas: z.array(DeltaDescription),
});
export type ImageDescription = z.infer<typeof ImageDescription>;

/** `GET /firmware/:version`: the signed-artifact fields a plan carries, plus chunking and deltas. */
export const FirmwareMetadata = ImageDescription.extend({
  url: z.url(),
  /** Download in ranges of this size (the seed's `firmware.download.chunk_size=5MB`). */
  chunkSizeBytes: z.number().int().positive(),
  deltas: z.array(DeltaDescription.extend({ url: z.url() })),
});
export type FirmwareMetadata = z.infer<typeof FirmwareMetadata>;

export const ArtifactMetrics = z.object({
  /** Image and delta responses (metadata excluded), and how many of them answered a range. */
  downloads: z.number().int(),
  rangeDownloads: z.number().int(),
  bytesServed: z.number().int(),
  /** Regional caches only. */
  cache: z.object({ hits: z.number().int(), misses: z.number().int(), bytesFromOrigin: z.number().int() }).optional(),
});
export type ArtifactMetrics = z.infer<typeof ArtifactMetrics>;
