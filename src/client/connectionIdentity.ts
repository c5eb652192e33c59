import { createHash, X509Certificate } from 'node:crypto';
import type { ConnectionOptions } from '@temporalio/client';
import { z } from 'zod';
import type { ConnectionIdentity } from '../engine/model/connectionIdentity';

/** `O=Fleet Ops,OU=release,CN=release-bot`: the subject's attributes in the certificate's order. */
export const certificateSubject = (pem: Uint8Array | string): string => new X509Certificate(pem).subject.split('\n').join(',');

const JwtClaims = z.object({ sub: z.string().trim().min(1) });

/**
 * The subject (`sub`) of a key that is a JWT, as a server's JWT authorizer reads it; for an opaque
 * key, a fingerprint, so that the audit names the key without holding it.
 */
export function apiKeyName(apiKey: string): string {
  const parts = apiKey.split('.');
  if (parts.length === 3) {
    try {
      const claims = JwtClaims.safeParse(JSON.parse(Buffer.from(parts[1]!, 'base64url').toString()));
      if (claims.success) return claims.data.sub;
    } catch {
      // Not JSON: an opaque key with dots in it.
    }
  }
  return `sha256:${createHash('sha256').update(apiKey).digest('hex').slice(0, 16)}`;
}

/** Who a connection with these options authenticates as: its mTLS client certificate first, else its API key; undefined for neither. */
export function connectionIdentity({ tls, apiKey }: Pick<ConnectionOptions, 'tls' | 'apiKey'>): ConnectionIdentity | undefined {
  const certificate = typeof tls === 'object' && tls ? tls.clientCertPair?.crt : undefined;
  if (certificate) return { source: 'mtls', name: certificateSubject(certificate) };
  const key = typeof apiKey === 'function' ? apiKey() : apiKey;
  return key ? { source: 'api-key', name: apiKeyName(key) } : undefined;
}
