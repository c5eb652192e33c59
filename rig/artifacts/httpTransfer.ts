import type { FirmwareTransfer, TransferRequest } from '../simulator/transfer';
import { FirmwareDownloader, type Download, type DownloaderOptions } from './firmwareDownloader';
import type { TrustedKeys } from '../../src/adapters/artifacts/verify';

export interface HttpTransferOptions {
  /** Each gateway downloads from its region's cache. */
  cacheUrlByRegion: Readonly<Record<string, string>>;
  trustedKeys: TrustedKeys;
  /** The image a gateway shipped with, by version. */
  factoryImage: (version: string) => Buffer | undefined;
  /** Gateways whose installed image is damaged, so that no delta applies to it. */
  corruptedDevices?: ReadonlySet<string>;
  downloader?: Omit<DownloaderOptions, 'baseUrl'>;
}

/**
 * Simulated gateways that really download: each has a FirmwareDownloader pointed at its region's
 * cache, and keeps the bytes of every image it has had, so deltas apply to what it runs.
 */
export class HttpFirmwareTransfer implements FirmwareTransfer {
  private readonly downloaders = new Map<string, FirmwareDownloader>();
  private readonly images = new Map<string, Map<string, Buffer>>();
  readonly downloads: (Pick<Download, 'via' | 'bytesTransferred'> & { deviceId: string; targetVersion: string })[] = [];

  constructor(private readonly options: HttpTransferOptions) {}

  async fetch({ deviceId, region, installedVersion, targetVersion }: TransferRequest): Promise<{ bytesTransferred: number }> {
    const installed = { version: installedVersion, bytes: this.installedImage(deviceId, installedVersion) };
    const { image, via, bytesTransferred } = await this.downloader(deviceId, region).download(targetVersion, installed);
    this.imagesOf(deviceId).set(targetVersion, image);
    this.downloads.push({ deviceId, targetVersion, via, bytesTransferred });
    return { bytesTransferred };
  }

  private downloader(deviceId: string, region: string): FirmwareDownloader {
    const existing = this.downloaders.get(deviceId);
    if (existing) return existing;
    const baseUrl = this.options.cacheUrlByRegion[region];
    if (!baseUrl) throw new Error(`no artifact cache for region ${region}`);
    const downloader = new FirmwareDownloader({ ...this.options.downloader, baseUrl }, this.options.trustedKeys);
    this.downloaders.set(deviceId, downloader);
    return downloader;
  }

  private installedImage(deviceId: string, version: string): Buffer {
    const images = this.imagesOf(deviceId);
    const known = images.get(version);
    if (known) return known;
    const factory = this.options.factoryImage(version);
    if (!factory) throw new Error(`${deviceId} runs ${version}, of which there is no image`);
    const image = this.options.corruptedDevices?.has(deviceId) ? corrupted(factory) : factory;
    images.set(version, image);
    return image;
  }

  private imagesOf(deviceId: string): Map<string, Buffer> {
    const images = this.images.get(deviceId) ?? new Map<string, Buffer>();
    this.images.set(deviceId, images);
    return images;
  }
}

function corrupted(image: Buffer): Buffer {
  const copy = Buffer.from(image);
  copy.fill(0, 0, Math.min(copy.length, 4096));
  return copy;
}
