import type { DataConverter } from '@temporalio/common';
import { codecKeys, type CodecEnvironment } from './codecKeys';
import { EncryptionCodec } from './encryptionCodec';

/** The data converter of every client and worker connection: encrypting when a codec key is set, Temporal's default otherwise. */
export function rolloutDataConverter(environment: CodecEnvironment): DataConverter {
  const keys = codecKeys(environment);
  return keys ? { payloadCodecs: [new EncryptionCodec(keys)] } : {};
}
