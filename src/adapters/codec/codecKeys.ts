import { z } from 'zod';

/** AES-256 takes a key of exactly 32 bytes. */
const KEY_BYTES = 32;
const KEY_FORMAT = 'write <key id>:<base64 of 32 random bytes>, e.g. 2026-12:$(openssl rand -base64 32)';

/** One key, as an operator writes it: `<key id>:<base64>`; the id goes with every payload it encrypts, so old payloads find their key after a rotation. */
const CodecKey = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{1,64}:[A-Za-z0-9+/]+={0,2}$/, KEY_FORMAT)
  .transform((text, context) => {
    const separator = text.indexOf(':');
    const key = Buffer.from(text.slice(separator + 1), 'base64');
    if (key.length !== KEY_BYTES) context.addIssue({ code: 'custom', message: `the key is ${key.length} bytes, AES-256 needs ${KEY_BYTES}: ${KEY_FORMAT}` });
    return { id: text.slice(0, separator), key };
  });
export type CodecKey = z.infer<typeof CodecKey>;

const RetiredKeys = z
  .string()
  .transform((text) => text.split(',').filter((part) => part.trim() !== ''))
  .pipe(z.array(CodecKey));

/** Keys of the payload codec, from the environment; without `FLEET_ROLLOUT_CODEC_KEY` payloads are stored as plain JSON. */
export const CodecEnvironment = z.object({
  /** The key that encrypts new payloads (and decrypts those it wrote). */
  FLEET_ROLLOUT_CODEC_KEY: CodecKey.optional(),
  /** Keys that only decrypt: the ones payloads already in Temporal were written with before a rotation; comma-separated. */
  FLEET_ROLLOUT_CODEC_RETIRED_KEYS: RetiredKeys.default([]),
});
export type CodecEnvironment = z.infer<typeof CodecEnvironment>;

/** The key that encrypts, and every key that decrypts, by id. */
export interface CodecKeys {
  current: CodecKey;
  byId: ReadonlyMap<string, Buffer>;
}

export function codecKeys({ FLEET_ROLLOUT_CODEC_KEY: current, FLEET_ROLLOUT_CODEC_RETIRED_KEYS: retired }: CodecEnvironment): CodecKeys | undefined {
  if (!current) {
    if (retired.length > 0) throw new Error('FLEET_ROLLOUT_CODEC_RETIRED_KEYS is set without FLEET_ROLLOUT_CODEC_KEY: set the key new payloads are encrypted with too');
    return undefined;
  }
  return { current, byId: new Map([...retired, current].map(({ id, key }) => [id, key])) };
}
