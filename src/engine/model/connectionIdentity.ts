import { z } from 'zod';

/**
 * Who the client's connection to Temporal authenticated as: the subject of its mTLS client
 * certificate or the name of its API key, as the client declared it. The workflow cannot check a
 * certificate or a key; the server's authorizer, which does, decides who may send what.
 */
export const ConnectionIdentity = z
  .object({
    source: z.enum(['mtls', 'api-key']),
    name: z.string().trim().min(1, 'name the certificate subject or the API key, e.g. "CN=release-bot,O=ops"'),
  })
  .strict();
export type ConnectionIdentity = z.infer<typeof ConnectionIdentity>;
