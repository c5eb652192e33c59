/**
 * Failure types, identified by name (not instanceof) across the workflow sandbox, activities and
 * clients. Types listed as non-retryable stop Temporal from retrying what retrying cannot fix.
 */
export const FailureType = {
  InvalidPlan: 'InvalidPlan',
  DeviceUpdateFailed: 'DeviceUpdateFailed',
  DeviceRolledBack: 'DeviceRolledBack',
  DeviceNeedsIntervention: 'DeviceNeedsIntervention',
  DeviceNotEligible: 'DeviceNotEligible',
  UnknownDevice: 'UnknownDevice',
  /** A rollout refused an operator's update (bad argument, or not possible in its current state). */
  RequestRejected: 'RequestRejected',
  ArtifactHashMismatch: 'ArtifactHashMismatch',
  ArtifactSignatureInvalid: 'ArtifactSignatureInvalid',
  ArtifactKeyUnknown: 'ArtifactKeyUnknown',
  FirmwareQuarantined: 'FirmwareQuarantined',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/**
 * What retrying cannot fix: a device that rolled itself back judged the image (pushing it again only
 * waits for the bad image to stick), and a wedged update agent needs a person.
 */
export const NON_RETRYABLE_DEVICE_FAILURES: FailureType[] = [
  FailureType.DeviceNotEligible,
  FailureType.UnknownDevice,
  FailureType.DeviceRolledBack,
  FailureType.DeviceNeedsIntervention,
];

/** Fleet error codes that mean the device cannot recover by itself. */
export const INTERVENTION_ERROR_CODES: readonly string[] = ['DEVICE_BUSY', 'POWER_LOSS'];

export const ARTIFACT_REJECTIONS: FailureType[] = [
  FailureType.ArtifactHashMismatch,
  FailureType.ArtifactSignatureInvalid,
  FailureType.ArtifactKeyUnknown,
  FailureType.FirmwareQuarantined,
];
