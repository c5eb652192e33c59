import { seededRandom } from '../../src/engine/model/seededRandom';

/**
 * The bytes of a simulated firmware image: the same for the same version and size, so a plan file
 * can carry a real SHA-256 and signature for the image the demo serves.
 */
export function firmwareImage(version: string, sizeBytes: number): Buffer {
  const random = seededRandom([...version].reduce((hash, char) => Math.imul(hash ^ char.charCodeAt(0), 16777619), 2166136261));
  const image = Buffer.alloc(sizeBytes);
  for (let offset = 0; offset < sizeBytes; offset += 4) image.writeUInt32LE(Math.floor(random() * 2 ** 32), offset);
  return image;
}
