import type { ArtifactSource } from './artifactServer';
import type { ArtifactCatalog } from './catalog';
import { FirmwareMetadata, deltaPath, imagePath, metadataPath, type ImageDescription } from './contract';

/** The origin: everything comes from the catalog. */
export function catalogSource(catalog: ArtifactCatalog): ArtifactSource {
  return {
    describe: async (version) => catalog.describe(version),
    image: async (version) => catalog.image(version)?.bytes,
    delta: async (version, fromVersion) => catalog.delta(version, fromVersion)?.bytes,
  };
}

/**
 * A regional cache node: the first request for an object fetches all of it from the origin once
 * (concurrent requests share that fetch); every later one, ranges included, is served locally.
 */
export class RegionalCache implements ArtifactSource {
  private readonly objects = new Map<string, Promise<Buffer | undefined>>();
  private readonly counters = { hits: 0, misses: 0, bytesFromOrigin: 0 };

  constructor(private readonly originUrl: string) {}

  async describe(version: string): Promise<ImageDescription | undefined> {
    const response = await fetch(this.originUrl + metadataPath(version));
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`origin answered ${response.status} for the metadata of ${version}`);
    const { url: _url, chunkSizeBytes: _chunk, deltas, ...image } = FirmwareMetadata.parse(await response.json());
    return { ...image, deltas: deltas.map(({ url: _deltaUrl, ...delta }) => delta) };
  }

  image(version: string): Promise<Buffer | undefined> {
    return this.object(imagePath(version));
  }

  delta(version: string, fromVersion: string): Promise<Buffer | undefined> {
    return this.object(deltaPath(version, fromVersion));
  }

  cacheMetrics() {
    return { ...this.counters };
  }

  private object(path: string): Promise<Buffer | undefined> {
    const cached = this.objects.get(path);
    if (cached) {
      this.counters.hits += 1;
      return cached;
    }
    this.counters.misses += 1;
    const fetched = this.fromOrigin(path);
    this.objects.set(path, fetched);
    // A failed fetch is forgotten, so the next request tries the origin again.
    fetched.catch(() => this.objects.delete(path));
    return fetched;
  }

  private async fromOrigin(path: string): Promise<Buffer | undefined> {
    const response = await fetch(this.originUrl + path);
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`origin answered ${response.status} for ${path}`);
    const bytes = Buffer.from(await response.arrayBuffer());
    this.counters.bytesFromOrigin += bytes.length;
    return bytes;
  }
}
