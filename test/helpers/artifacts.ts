import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { firmwareImage } from '../../rig/artifacts/firmwareImage';
import { createSigningKeyPair, signImage, type TrustedKeys } from '../../src/adapters/artifacts/verify';
import type { FirmwareRef } from '../../src/engine/ports/fleetProvider';

/** Signed firmware images over real HTTP for the tests, with the key pair that signs them. */
const IMAGE_BYTES = 64 * 1024;
const KEY_ID = 'test-key';
const keys = createSigningKeyPair();

export const testTrustedKeys: TrustedKeys = { [KEY_ID]: keys.publicKeyPem };

let server: Server | undefined;
let baseUrl = 'http://127.0.0.1:9';

export async function serveTestArtifacts(): Promise<void> {
  server = createServer((request, response) => {
    const version = /^\/firmware\/(.+)\.bin$/.exec(request.url ?? '')?.[1];
    if (!version) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(firmwareImage(version, IMAGE_BYTES));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function stopTestArtifacts(): Promise<void> {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
}

export const signedFirmware = (version: string): FirmwareRef => ({
  version,
  url: `${baseUrl}/firmware/${version}.bin`,
  sizeBytes: IMAGE_BYTES,
  keyId: KEY_ID,
  ...signImage(firmwareImage(version, IMAGE_BYTES), keys.privateKeyPem),
});

/** The test keys as a worker process reads them: a file for FIRMWARE_TRUSTED_KEYS_FILE. */
export function writeTestTrustedKeys(directory: string): string {
  const file = path.join(directory, 'trusted-keys.json');
  writeFileSync(file, JSON.stringify(testTrustedKeys));
  return file;
}
