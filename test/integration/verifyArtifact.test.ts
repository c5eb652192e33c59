import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ArtifactDownloadFailed,
  ArtifactRejection,
  type SignedArtifact,
  type TrustedKeys,
  createSigningKeyPair,
  signImage,
  verifyArtifact,
} from '../../src/adapters/artifacts/verify';

const CHUNK = 64 * 1024;
/** 1 MiB of a repeating pattern, served in 16 chunks so the hash is computed while the body streams. */
const image = Buffer.alloc(16 * CHUNK, 'fleet-rollout firmware 2.0.0 ');
const flipped = Buffer.from(image);
flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 0x01;

const release = createSigningKeyPair();
const trustedKeys: TrustedKeys = { 'release-2026': release.publicKeyPem };

/**
 * The bytes at each path, and the paths requested, to see whether a rejection downloaded anything. `/broken.bin`
 * drops the connection after its first chunk; `/stalled.bin` sends one chunk and then nothing.
 */
function serveImages(images: Record<string, Buffer>, requested: string[]): Server {
  return createServer((request, response) => {
    requested.push(request.url ?? '');
    if (request.url === '/broken.bin' || request.url === '/stalled.bin') {
      response.writeHead(200, { 'content-length': String(image.length) });
      response.write(image.subarray(0, CHUNK), () => {
        if (request.url === '/broken.bin') response.destroy();
      });
      return;
    }
    const body = images[request.url ?? ''];
    if (!body) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    for (let offset = 0; offset < body.length; offset += CHUNK) response.write(body.subarray(offset, offset + CHUNK));
    response.end();
  });
}

describe('verifyArtifact over HTTP', () => {
  const requested: string[] = [];
  const server = serveImages({ '/fw-2.0.0.bin': image, '/fw-2.0.0-flipped.bin': flipped }, requested);
  let baseUrl = '';

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => requested.splice(0));

  const artifact = (changes: Partial<SignedArtifact> = {}): SignedArtifact => ({
    url: `${baseUrl}/fw-2.0.0.bin`,
    keyId: 'release-2026',
    ...signImage(image, release.privateKeyPem),
    ...changes,
  });

  /** Asserts a non-retryable rejection of the given kind whose message matches. */
  const rejectedAs = (rejection: ArtifactRejection, message: RegExp) => (error: unknown) => {
    assert.ok(error instanceof Error);
    assert.equal(error.name, rejection);
    assert.equal((error as { type?: string }).type, rejection);
    assert.equal((error as { nonRetryable?: boolean }).nonRetryable, true);
    assert.match(error.message, message);
    return true;
  };

  it('accepts the image it was signed for, reporting progress as the body streams', async () => {
    const progress: number[] = [];
    const verified = await verifyArtifact(artifact(), trustedKeys, { onProgress: (bytes) => progress.push(bytes) });
    assert.deepEqual(verified, { sha256: artifact().sha256, sizeBytes: image.length });
    assert.ok(progress.length > 1, `expected several chunks, got ${progress.length}`);
    assert.equal(progress[progress.length - 1], image.length);
  });

  it('rejects an image with one byte changed, on its hash', async () => {
    await assert.rejects(
      verifyArtifact(artifact({ url: `${baseUrl}/fw-2.0.0-flipped.bin` }), trustedKeys),
      rejectedAs(ArtifactRejection.HashMismatch, /fw-2\.0\.0-flipped\.bin has SHA-256 [0-9a-f]{64} \(1048576 bytes\), expected [0-9a-f]{64}: the image is corrupt or was replaced/),
    );
  });

  it('rejects a signature made with another key than the trusted one of that id', async () => {
    const impostor = createSigningKeyPair();
    await assert.rejects(
      verifyArtifact(artifact(signImage(image, impostor.privateKeyPem)), trustedKeys),
      rejectedAs(ArtifactRejection.SignatureInvalid, /does not verify with key "release-2026"/),
    );
  });

  it('rejects an unknown key id before downloading anything', async () => {
    await assert.rejects(
      verifyArtifact(artifact({ keyId: 'someone-else' }), trustedKeys),
      rejectedAs(ArtifactRejection.KeyUnknown, /signing key "someone-else" is not trusted by this worker \(trusted: release-2026\)/),
    );
    assert.deepEqual(requested, []);
  });

  it('fails retryably when the image cannot be fetched, or the download breaks off', async () => {
    const downloadFailed = (message: RegExp) => (error: unknown) => {
      assert.ok(error instanceof ArtifactDownloadFailed);
      assert.equal(error.name, 'ArtifactDownloadFailed');
      assert.match(error.message, message);
      return true;
    };
    await assert.rejects(verifyArtifact(artifact({ url: `${baseUrl}/missing.bin` }), trustedKeys), downloadFailed(/missing\.bin answered 404/));
    await assert.rejects(verifyArtifact(artifact({ url: `${baseUrl}/broken.bin` }), trustedKeys), downloadFailed(/broken\.bin broke off after \d+ bytes/));
  });

  it('stops when cancelled, with the abort rather than a download failure', async () => {
    const cancellation = new AbortController();
    const verifying = verifyArtifact(artifact({ url: `${baseUrl}/stalled.bin` }), trustedKeys, {
      signal: cancellation.signal,
      onProgress: () => cancellation.abort(),
    });
    await assert.rejects(verifying, { name: 'AbortError' });
  });
});
