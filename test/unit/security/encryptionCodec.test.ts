import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter, METADATA_ENCODING_KEY, type Payload } from '@temporalio/common';
import { CodecEnvironment, codecKeys, type CodecKeys } from '../../../src/adapters/codec/codecKeys';
import { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA } from '../../../src/adapters/codec/encryptionCodec';
import { InvalidInputError, parseOrThrow } from '../../../src/engine/model/validation';

const keyText = (id: string, bytes = 32): string => `${id}:${randomBytes(bytes).toString('base64')}`;
const keysOf = (env: Record<string, string>): CodecKeys => codecKeys(parseOrThrow(CodecEnvironment, env, 'environment'))!;
const metadata = (payload: Payload, key: string): string => Buffer.from(payload.metadata![key]!).toString();

describe('the payload codec (AES-256-GCM)', () => {
  const plan = { rolloutId: 'r-1', devices: ['gw-secret-0042'] };
  const plain = (): Payload[] => [defaultPayloadConverter.toPayload(plan)];

  it('hides the value and its JSON encoding, and gives it back', async () => {
    const codec = new EncryptionCodec(keysOf({ FLEET_ROLLOUT_CODEC_KEY: keyText('k1') }));
    const [sealed] = await codec.encode(plain());
    assert.equal(metadata(sealed!, METADATA_ENCODING_KEY), ENCRYPTED_ENCODING);
    assert.equal(metadata(sealed!, KEY_ID_METADATA), 'k1');
    assert.ok(!Buffer.from(sealed!.data!).includes('gw-secret-0042'));
    assert.ok(!Buffer.from(sealed!.data!).includes('json/plain'));
    const [opened] = await codec.decode([sealed!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(opened!), plan);
  });

  it('encrypts the same value differently each time (a fresh nonce per payload)', async () => {
    const codec = new EncryptionCodec(keysOf({ FLEET_ROLLOUT_CODEC_KEY: keyText('k1') }));
    const [first, second] = await codec.encode([...plain(), ...plain()]);
    assert.notDeepEqual(Buffer.from(first!.data!), Buffer.from(second!.data!));
  });

  it('after a rotation, decrypts payloads of the retired key and encrypts with the new one', async () => {
    const old = keyText('2026-11');
    const [written] = await new EncryptionCodec(keysOf({ FLEET_ROLLOUT_CODEC_KEY: old })).encode(plain());
    const rotated = new EncryptionCodec(keysOf({ FLEET_ROLLOUT_CODEC_KEY: keyText('2026-12'), FLEET_ROLLOUT_CODEC_RETIRED_KEYS: old }));
    assert.deepEqual(defaultPayloadConverter.fromPayload((await rotated.decode([written!]))[0]!), plan);
    assert.equal(metadata((await rotated.encode(plain()))[0]!, KEY_ID_METADATA), '2026-12');
  });

  it('refuses a payload whose key it lacks, naming the key id and the variable to add it to', async () => {
    const [written] = await new EncryptionCodec(keysOf({ FLEET_ROLLOUT_CODEC_KEY: keyText('gone') })).encode(plain());
    const other = new EncryptionCodec(keysOf({ FLEET_ROLLOUT_CODEC_KEY: keyText('k2') }));
    await assert.rejects(other.decode([written!]), /key id gone.*FLEET_ROLLOUT_CODEC_RETIRED_KEYS/);
  });

  it('refuses a payload tampered with or relabelled with another key id', async () => {
    const keys = keysOf({ FLEET_ROLLOUT_CODEC_KEY: keyText('k1') });
    const codec = new EncryptionCodec(keys);
    const [sealed] = await codec.encode(plain());
    const flipped = Buffer.from(sealed!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await assert.rejects(codec.decode([{ ...sealed!, data: flipped }]), /unable to authenticate/);
    const sameKeyOtherId = new EncryptionCodec({ current: keys.current, byId: new Map([['k1', keys.current.key], ['k9', keys.current.key]]) });
    const relabelled = { ...sealed!, metadata: { ...sealed!.metadata, [KEY_ID_METADATA]: Buffer.from('k9') } };
    await assert.rejects(sameKeyOtherId.decode([relabelled]), /unable to authenticate/);
  });

  it('passes through payloads written before the codec was turned on', async () => {
    const codec = new EncryptionCodec(keysOf({ FLEET_ROLLOUT_CODEC_KEY: keyText('k1') }));
    assert.deepEqual(await codec.decode(plain()), plain());
  });
});

describe('the codec keys in the environment', () => {
  const refusal = (env: Record<string, string>): string => {
    try {
      parseOrThrow(CodecEnvironment, env, 'environment');
    } catch (error) {
      assert.ok(error instanceof InvalidInputError);
      return error.message;
    }
    assert.fail('the environment was accepted');
  };

  it('is off without a key', () => assert.equal(codecKeys(parseOrThrow(CodecEnvironment, {}, 'environment')), undefined));

  it('refuses a key of the wrong length, naming the variable, the length and the fix', () => {
    const message = refusal({ FLEET_ROLLOUT_CODEC_KEY: keyText('k1', 16) });
    assert.match(message, /FLEET_ROLLOUT_CODEC_KEY: the key is 16 bytes, AES-256 needs 32: write <key id>:<base64 of 32 random bytes>/);
  });

  it('refuses a key without an id or not in base64', () => {
    assert.match(refusal({ FLEET_ROLLOUT_CODEC_KEY: randomBytes(32).toString('base64') }), /FLEET_ROLLOUT_CODEC_KEY: write <key id>:<base64/);
    assert.match(refusal({ FLEET_ROLLOUT_CODEC_KEY: 'k1:not base64!' }), /FLEET_ROLLOUT_CODEC_KEY: write <key id>:<base64/);
  });

  it('names the retired key that is bad, by its place in the list', () => {
    assert.match(refusal({ FLEET_ROLLOUT_CODEC_KEY: keyText('k2'), FLEET_ROLLOUT_CODEC_RETIRED_KEYS: `${keyText('k0')},k1:abc` }), /FLEET_ROLLOUT_CODEC_RETIRED_KEYS\[1\]/);
  });

  it('refuses retired keys without a current key', () => {
    assert.throws(() => keysOf({ FLEET_ROLLOUT_CODEC_RETIRED_KEYS: keyText('k1') }), /without FLEET_ROLLOUT_CODEC_KEY/);
  });
});
