import { createHash, createPublicKey, verify } from 'node:crypto';
import { z } from 'zod';
import { FirmwareMetadata, metadataPath } from './contract';
import { applyDelta } from './delta';
import { sha256Hex } from './digest';
import type { TrustedKeys } from '../../src/adapters/artifacts/verify';

export const DownloaderOptions = z.object({
  /** The regional cache (or origin) this gateway downloads from. */
  baseUrl: z.url(),
  /** Delta attempts per target version before the gateway falls back to the full image. */
  maxDeltaFailures: z.number().int().min(0).default(2),
  /** Attempts per chunk: a broken chunk is fetched again from where it starts, not the whole image. */
  chunkAttempts: z.number().int().min(1).default(3),
  requestTimeoutMs: z.number().int().positive().default(30_000),
});
export type DownloaderOptions = z.input<typeof DownloaderOptions>;

export interface InstalledImage {
  version: string;
  bytes: Buffer;
}

export interface Download {
  image: Buffer;
  via: 'delta' | 'full';
  /** What crossed the network, failed attempts included. */
  bytesTransferred: number;
}

/** The image could not be had: the network failed, or no bytes matched their hash and signature. */
export class FirmwareDownloadFailed extends Error {
  override readonly name = 'FirmwareDownloadFailed';
}

/**
 * A gateway's downloader: metadata first, then the delta from the installed version when one is
 * published, in chunks of the advertised size with range requests. A delta that fails (transfer,
 * hash of the delta, or hash of the patched image) counts against the target version; after
 * `maxDeltaFailures` of them the gateway takes the full image. Every image is accepted only with
 * the expected SHA-256 and a valid signature from a trusted key.
 */
export class FirmwareDownloader {
  private readonly options: z.infer<typeof DownloaderOptions>;
  private readonly deltaFailures = new Map<string, number>();

  constructor(
    options: DownloaderOptions,
    private readonly trustedKeys: TrustedKeys,
  ) {
    this.options = DownloaderOptions.parse(options);
  }

  async download(targetVersion: string, installed: InstalledImage): Promise<Download> {
    const metadata = FirmwareMetadata.parse(await this.json(this.options.baseUrl + metadataPath(targetVersion)));
    const transfer = { bytes: 0 };
    const delta = metadata.deltas.find((candidate) => candidate.fromVersion === installed.version);
    while (delta && this.failedDeltas(targetVersion) < this.options.maxDeltaFailures) {
      try {
        const patch = await this.fetchChunked(delta.url, delta.sizeBytes, metadata.chunkSizeBytes, transfer);
        if (sha256Hex(patch) !== delta.sha256) throw new FirmwareDownloadFailed(`delta ${installed.version}→${targetVersion} does not match its SHA-256`);
        return { image: this.accepted(applyDelta(installed.bytes, patch), metadata), via: 'delta', bytesTransferred: transfer.bytes };
      } catch {
        this.deltaFailures.set(targetVersion, this.failedDeltas(targetVersion) + 1);
      }
    }
    const image = await this.fetchChunked(metadata.url, metadata.sizeBytes, metadata.chunkSizeBytes, transfer);
    return { image: this.accepted(image, metadata), via: 'full', bytesTransferred: transfer.bytes };
  }

  failedDeltas(targetVersion: string): number {
    return this.deltaFailures.get(targetVersion) ?? 0;
  }

  private accepted(image: Buffer, metadata: FirmwareMetadata): Buffer {
    const digest = createHash('sha256').update(image).digest();
    if (digest.toString('hex') !== metadata.sha256) throw new FirmwareDownloadFailed(`image ${metadata.version} does not match its SHA-256`);
    const key = Object.hasOwn(this.trustedKeys, metadata.keyId) ? this.trustedKeys[metadata.keyId] : undefined;
    if (!key || !verify(null, digest, createPublicKey(key), Buffer.from(metadata.signature, 'base64'))) {
      throw new FirmwareDownloadFailed(`image ${metadata.version} is not signed by a trusted key (${metadata.keyId})`);
    }
    return image;
  }

  private async fetchChunked(url: string, sizeBytes: number, chunkSizeBytes: number, transfer: { bytes: number }): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for (let start = 0; start < sizeBytes; start += chunkSizeBytes) {
      const end = Math.min(sizeBytes, start + chunkSizeBytes) - 1;
      chunks.push(await this.fetchChunk(url, start, end, transfer));
    }
    return Buffer.concat(chunks);
  }

  private async fetchChunk(url: string, start: number, end: number, transfer: { bytes: number }): Promise<Buffer> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.options.chunkAttempts; attempt++) {
      try {
        const response = await fetch(url, { headers: { range: `bytes=${start}-${end}` }, signal: AbortSignal.timeout(this.options.requestTimeoutMs) });
        if (response.status !== 206) throw new FirmwareDownloadFailed(`GET ${url} bytes ${start}-${end} answered ${response.status}`);
        const chunk = Buffer.from(await response.arrayBuffer());
        transfer.bytes += chunk.length;
        if (chunk.length === end - start + 1) return chunk;
        lastError = new FirmwareDownloadFailed(`GET ${url} bytes ${start}-${end} returned ${chunk.length} bytes`);
      } catch (error) {
        lastError = error;
      }
    }
    throw new FirmwareDownloadFailed(`GET ${url} bytes ${start}-${end} failed ${this.options.chunkAttempts} times`, { cause: lastError });
  }

  private async json(url: string): Promise<unknown> {
    const response = await fetch(url, { signal: AbortSignal.timeout(this.options.requestTimeoutMs) });
    if (!response.ok) throw new FirmwareDownloadFailed(`GET ${url} answered ${response.status}`);
    return response.json();
  }
}
