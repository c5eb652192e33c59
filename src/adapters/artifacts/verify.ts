import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { FailureType } from '../../engine/model/failures';
import { ED25519_SIGNATURE_BASE64 } from '../../engine/model/planFirmware';
import type { ArtifactVerifier, VerifiedArtifact, VerifyOptions } from '../../engine/ports/artifactVerifier';

/**
 * Firmware artifact integrity, checked by an activity before any device is touched.
 *
 * Format:
 * - `sha256`: hex SHA-256 of the image bytes exactly as served at `url` (either case; kept in lower case).
 * - `signature`: base64 of the 64-byte Ed25519 signature (RFC 8032, pure Ed25519) over the raw 32-byte SHA-256
 *   digest of the image, not over its hex form. Pure Ed25519 reads its message twice and so cannot stream a 150 MB
 *   image; signing the digest lets the download hash once and lets a signing service see 32 bytes, not the image.
 * - `keyId`: names the public key that verifies the signature. Trusted keys come from the worker's configuration
 *   (PEM SPKI, keyed by `keyId`), never from the plan: a plan that could bring its own key could sign anything.
 */
export const SignedArtifact = z
  .object({
    url: z.url({ protocol: /^https?$/ }),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'write the SHA-256 as 64 hex digits')
      .transform((hex) => hex.toLowerCase()),
    signature: z.string().regex(ED25519_SIGNATURE_BASE64, 'write the 64-byte Ed25519 signature in base64'),
    keyId: z.string().min(1),
  })
  .strict();
export type SignedArtifact = z.infer<typeof SignedArtifact>;

function isEd25519PublicKeyPem(pem: string): boolean {
  // createPublicKey would also derive a public key from a private one, which must never sit in worker configuration.
  if (!pem.trimStart().startsWith('-----BEGIN PUBLIC KEY-----')) return false;
  try {
    return createPublicKey({ key: pem, format: 'pem', type: 'spki' }).asymmetricKeyType === 'ed25519';
  } catch {
    return false;
  }
}

/** The worker's trusted signing keys: keyId → Ed25519 public key as PEM SPKI ("-----BEGIN PUBLIC KEY-----"). */
export const TrustedKeys = z.record(
  z.string().min(1),
  z.string().refine(isEd25519PublicKeyPem, { message: 'not an Ed25519 public key in PEM SPKI form' }),
);
export type TrustedKeys = z.infer<typeof TrustedKeys>;

export const ArtifactRejection = {
  HashMismatch: FailureType.ArtifactHashMismatch,
  SignatureInvalid: FailureType.ArtifactSignatureInvalid,
  KeyUnknown: FailureType.ArtifactKeyUnknown,
} as const;
export type ArtifactRejection = (typeof ArtifactRejection)[keyof typeof ArtifactRejection];

/**
 * Non-retryable whatever the caller's retry policy: downloading the same image again cannot change its digest, its
 * signature or the worker's keys. `type`, which reaches the workflow, and `name` are both the rejection.
 */
export class ArtifactRejectedError extends ApplicationFailure {
  constructor(rejection: ArtifactRejection, message: string) {
    super(message, rejection, true);
    // ApplicationFailure's `name` is a read-only prototype property; an own property shadows it.
    Object.defineProperty(this, 'name', { value: rejection, enumerable: false });
  }
}

/** The image could not be fetched. Retryable: the server or the network may recover. */
export class ArtifactDownloadFailed extends Error {
  override readonly name = 'ArtifactDownloadFailed';
}

/** The worker's verifier: SHA-256 and Ed25519 signature, checked against `trustedKeys` alone. */
export const signatureVerifier = (trustedKeys: TrustedKeys): ArtifactVerifier => ({
  verify: ({ url, sha256, signature, keyId }, options) => verifyArtifact(SignedArtifact.parse({ url, sha256, signature, keyId }), trustedKeys, options),
});

/**
 * Streams the image from `url`, hashing it as it arrives, and accepts it only if the digest is the one expected and
 * the signature over that digest verifies with the trusted key `keyId`. The key is looked up before anything is
 * downloaded.
 */
export async function verifyArtifact(
  artifact: SignedArtifact,
  trustedKeys: TrustedKeys,
  { signal, onProgress }: VerifyOptions = {},
): Promise<VerifiedArtifact> {
  const keyPem = Object.hasOwn(trustedKeys, artifact.keyId) ? trustedKeys[artifact.keyId] : undefined;
  if (keyPem === undefined) {
    const known = Object.keys(trustedKeys).join(', ') || 'none';
    throw new ArtifactRejectedError(
      ArtifactRejection.KeyUnknown,
      `signing key "${artifact.keyId}" is not trusted by this worker (trusted: ${known}); add its public key to the worker's configuration`,
    );
  }
  const { digest, sizeBytes } = await download(artifact.url, signal, onProgress);
  const sha256 = digest.toString('hex');
  if (sha256 !== artifact.sha256.toLowerCase()) {
    throw new ArtifactRejectedError(
      ArtifactRejection.HashMismatch,
      `${artifact.url} has SHA-256 ${sha256} (${sizeBytes} bytes), expected ${artifact.sha256}: the image is corrupt or was replaced`,
    );
  }
  const signature = Buffer.from(artifact.signature, 'base64');
  if (!verify(null, digest, createPublicKey(keyPem), signature)) {
    throw new ArtifactRejectedError(
      ArtifactRejection.SignatureInvalid,
      `the signature of ${artifact.url} does not verify with key "${artifact.keyId}": the image was not signed with that key`,
    );
  }
  return { sha256, sizeBytes };
}

async function download(
  url: string,
  signal: AbortSignal | undefined,
  onProgress: VerifyOptions['onProgress'],
): Promise<{ digest: Buffer; sizeBytes: number }> {
  let response: Response;
  try {
    response = await fetch(url, signal ? { signal } : {});
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ArtifactDownloadFailed(`GET ${url} failed: ${(error as Error).message}`, { cause: error });
  }
  if (!response.ok || !response.body) {
    throw new ArtifactDownloadFailed(`GET ${url} answered ${response.status} ${response.statusText}`);
  }
  const hash = createHash('sha256');
  let sizeBytes = 0;
  try {
    for await (const chunk of response.body) {
      hash.update(chunk);
      sizeBytes += chunk.byteLength;
      onProgress?.(sizeBytes);
    }
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ArtifactDownloadFailed(`GET ${url} broke off after ${sizeBytes} bytes: ${(error as Error).message}`, { cause: error });
  }
  return { digest: hash.digest(), sizeBytes };
}

export interface SigningKeyPair {
  publicKeyPem: string;
  privateKeyPem: string;
}

/** A fresh Ed25519 key pair (PEM SPKI / PKCS#8), for tests, the demo and the simulator. */
export function createSigningKeyPair(): SigningKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519', {
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: publicKey, privateKeyPem: privateKey };
}

/** `sha256` and `signature` of an image in the format `verifyArtifact` checks. */
export function signImage(image: Uint8Array, privateKeyPem: string): Pick<SignedArtifact, 'sha256' | 'signature'> {
  const digest = createHash('sha256').update(image).digest();
  return { sha256: digest.toString('hex'), signature: sign(null, digest, privateKeyPem).toString('base64') };
}
