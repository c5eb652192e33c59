/**
 * Errors of the HTTP fleet client, identified by `name` so that Temporal retry policies can list
 * the non-retryable ones (FleetRequestRejected, FleetResponseInvalid) by type.
 */

/** The service refused the request (a 4xx other than 429): sending it again cannot succeed. */
export class FleetRequestRejected extends Error {
  override readonly name = 'FleetRequestRejected';

  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The service was unreachable, too slow or failing, after the retries allowed; a later attempt may succeed. */
export class FleetRequestFailed extends Error {
  override readonly name = 'FleetRequestFailed';

  constructor(
    message: string,
    readonly details: { status?: number; code?: string; retryAfterMs?: number },
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The service answered with a body the contract does not allow. */
export class FleetResponseInvalid extends Error {
  override readonly name = 'FleetResponseInvalid';

  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
