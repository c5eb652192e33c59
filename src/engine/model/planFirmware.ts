import { z } from 'zod';
import { FirmwareRef } from '../ports/fleetProvider';
import { SemVer } from './policy/versionPolicy';

/**
 * Base64 of a 64-byte Ed25519 signature, in canonical form: 85 characters, one that carries the
 * last byte's top two bits (A, Q, g or w), then "==".
 */
export const ED25519_SIGNATURE_BASE64 = /^[A-Za-z0-9+/]{85}[AQgw]==$/;

/**
 * The firmware a plan rolls out: stricter than what a fleet reports, since the rollout compares its
 * version with device versions, sizes its downloads by it and verifies its signature before it starts.
 */
export const PlanFirmware = FirmwareRef.extend({
  version: SemVer,
  sizeBytes: z.number().int('write the image size as a whole number of bytes').positive('write the image size in bytes, above 0, e.g. 157286400'),
  signature: z.string().regex(ED25519_SIGNATURE_BASE64, 'write the 64-byte Ed25519 signature in base64: 88 characters ending in "=="'),
}).strict();
