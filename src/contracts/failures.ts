/**
 * Failure types, identified by name (not instanceof) across the workflow sandbox, activities and
 * clients. Types listed as non-retryable stop Temporal from retrying what retrying cannot fix.
 */
export const FailureType = {
  InvalidPlan: 'InvalidPlan',
  DeviceUpdateFailed: 'DeviceUpdateFailed',
  DeviceRolledBack: 'DeviceRolledBack',
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

export const NON_RETRYABLE_DEVICE_FAILURES: FailureType[] = [FailureType.DeviceNotEligible, FailureType.UnknownDevice];

export const ARTIFACT_REJECTIONS: FailureType[] = [
  FailureType.ArtifactHashMismatch,
  FailureType.ArtifactSignatureInvalid,
  FailureType.ArtifactKeyUnknown,
  FailureType.FirmwareQuarantined,
];
