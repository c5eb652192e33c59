import type { DataConverter, PayloadCodec } from '@temporalio/common';
import { codecKeys, type CodecEnvironment } from './codecKeys';
import { EncryptionCodec } from './encryptionCodec';

/** The encryption codec when the environment has a codec key. */
export function payloadCodec(environment: CodecEnvironment): PayloadCodec | undefined {
  const keys = codecKeys(environment);
  return keys && new EncryptionCodec(keys);
}

/** The data converter of every client and worker connection: encrypting when a codec key is set, Temporal's default otherwise. */
export function rolloutDataConverter(environment: CodecEnvironment): DataConverter {
  const codec = payloadCodec(environment);
  return codec ? { payloadCodecs: [codec] } : {};
}
