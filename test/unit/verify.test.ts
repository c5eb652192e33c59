import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import {
  ArtifactRejectedError,
  ArtifactRejection,
  SignedArtifact,
  TrustedKeys,
  createSigningKeyPair,
  signImage,
} from '../../src/adapters/artifacts/verify';

const image = Buffer.from('firmware 2.0.0 for rev-b gateways');
const keys = createSigningKeyPair();

describe('artifact signatures', () => {
  it('sign the raw 32-byte SHA-256 digest of the image, not its hex form', () => {
    const { sha256, signature } = signImage(image, keys.privateKeyPem);
    const digest = createHash('sha256').update(image).digest();
    assert.equal(sha256, digest.toString('hex'));
    const signatureBytes = Buffer.from(signature, 'base64');
    assert.equal(signatureBytes.length, 64);
    assert.equal(verify(null, digest, keys.publicKeyPem, signatureBytes), true);
    assert.equal(verify(null, Buffer.from(sha256), keys.publicKeyPem, signatureBytes), false);
    assert.equal(verify(null, image, keys.publicKeyPem, signatureBytes), false);
  });

  describe('SignedArtifact', () => {
    const valid = { url: 'https://firmware.example/2.0.0.bin', keyId: 'release-2026', ...signImage(image, keys.privateKeyPem) };
    const pathsOfProblems = (changes: object) => SignedArtifact.safeParse({ ...valid, ...changes }).error?.issues.map((issue) => issue.path.join('.'));

    it('accepts a signed artifact and keeps its digest in lower case', () => {
      assert.equal(SignedArtifact.parse({ ...valid, sha256: valid.sha256.toUpperCase() }).sha256, valid.sha256);
    });

    it('names the field that is malformed', () => {
      assert.deepEqual(pathsOfProblems({ sha256: 'abc123' }), ['sha256']);
      assert.deepEqual(pathsOfProblems({ signature: 'not base64!' }), ['signature']);
      assert.deepEqual(pathsOfProblems({ signature: Buffer.alloc(63).toString('base64') }), ['signature']);
      assert.deepEqual(pathsOfProblems({ url: 'ftp://firmware.example/2.0.0.bin' }), ['url']);
      assert.deepEqual(pathsOfProblems({ keyId: '' }), ['keyId']);
    });
  });

  describe('TrustedKeys', () => {
    it('accepts Ed25519 public keys in PEM SPKI form', () => {
      assert.equal(TrustedKeys.safeParse({ 'release-2026': keys.publicKeyPem }).success, true);
    });

    it('refuses a private key, another algorithm and text that is no key', () => {
      const ecdsa = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' });
      for (const pem of [keys.privateKeyPem, String(ecdsa), 'release-2026']) {
        const result = TrustedKeys.safeParse({ 'release-2026': pem });
        assert.match(result.error?.issues[0]?.message ?? 'accepted', /not an Ed25519 public key in PEM SPKI form/);
      }
    });
  });

  it('rejects with a non-retryable failure whose name and type are the rejection', () => {
    const error = new ArtifactRejectedError(ArtifactRejection.HashMismatch, 'corrupt');
    assert.ok(error instanceof ApplicationFailure);
    assert.equal(error.name, 'ArtifactHashMismatch');
    assert.equal(error.type, 'ArtifactHashMismatch');
    assert.equal(error.nonRetryable, true);
    assert.match(String(error.stack), /^ArtifactHashMismatch: corrupt/);
  });
});
