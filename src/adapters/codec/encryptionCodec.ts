import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, ValueError, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CodecKeys } from './codecKeys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const text = (value: string): Uint8Array => Buffer.from(value);

/**
 * Encrypts every payload, whole (metadata too, so the JSON encoding and the data are both hidden),
 * with AES-256-GCM: `iv ‖ ciphertext ‖ tag`, the key id bound in as authenticated data so a payload
 * cannot be passed off under another key's id. It runs in the client and the worker's data
 * converter, outside the workflow sandbox, which is why node:crypto may be used here.
 */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: CodecKeys) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys.current;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(CIPHER, key, iv).setAAD(text(id));
      const sealed = Buffer.concat([cipher.update(temporal.api.common.v1.Payload.encode(payload).finish()), cipher.final()]);
      return {
        metadata: { [METADATA_ENCODING_KEY]: text(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: text(id) },
        data: Buffer.concat([iv, sealed, cipher.getAuthTag()]),
      };
    });
  }

  /** Payloads written without the codec (before it was turned on) pass through as they are. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (metadataText(payload, METADATA_ENCODING_KEY) === ENCRYPTED_ENCODING ? this.open(payload) : payload));
  }

  private open(payload: Payload): Payload {
    const id = metadataText(payload, KEY_ID_METADATA) ?? '(none)';
    const key = this.keys.byId.get(id);
    if (!key) throw new ValueError(`payload encrypted with key id ${id}, which is not among the codec's keys: add that key to FLEET_ROLLOUT_CODEC_RETIRED_KEYS`);
    const data = Buffer.from(payload.data ?? []);
    const decipher = createDecipheriv(CIPHER, key, data.subarray(0, IV_BYTES)).setAAD(text(id));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

function metadataText(payload: Payload, key: string): string | undefined {
  const value = payload.metadata?.[key];
  return value ? Buffer.from(value).toString() : undefined;
}
