/** A region of an image to overwrite. */
export interface Patch {
  offset: number;
  bytes: Uint8Array;
}

/**
 * A delta image: patches, each `[offset u32][length u32][bytes]`, after a `[count u32]` header.
 * A stand-in for bsdiff that keeps what matters here: it is small, and it only yields the new
 * image when applied to exactly the old one (the result's SHA-256 tells).
 */
export function encodeDelta(patches: readonly Patch[]): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32LE(patches.length);
  const parts = patches.flatMap((patch) => {
    const head = Buffer.alloc(8);
    head.writeUInt32LE(patch.offset, 0);
    head.writeUInt32LE(patch.bytes.length, 4);
    return [head, Buffer.from(patch.bytes)];
  });
  return Buffer.concat([header, ...parts]);
}

/** The old image with the delta's patches applied; throws on a delta that does not parse or does not fit. */
export function applyDelta(image: Uint8Array, delta: Uint8Array): Buffer {
  const result = Buffer.from(image);
  const view = Buffer.from(delta.buffer, delta.byteOffset, delta.byteLength);
  let position = 4;
  const count = view.readUInt32LE(0);
  for (let patch = 0; patch < count; patch++) {
    const offset = view.readUInt32LE(position);
    const length = view.readUInt32LE(position + 4);
    position += 8;
    if (offset + length > result.length || position + length > view.length) throw new RangeError(`delta patch ${patch} does not fit the image`);
    view.copy(result, offset, position, position + length);
    position += length;
  }
  return result;
}
