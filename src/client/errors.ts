/** Errors of release tooling, each with its own name (and its own exit code in the CLI). */

export class RolloutAlreadyExistsError extends Error {
  override readonly name = 'RolloutAlreadyExistsError';
  constructor(readonly rolloutId: string) {
    super(`rollout ${rolloutId} already exists: pick another rolloutId, or use \`rollout status ${rolloutId}\``);
  }
}

/** The rollout refused an operator request: the reason says why (e.g. "the rollout is not paused"). */
export class RequestRejectedError extends Error {
  override readonly name = 'RequestRejectedError';
  constructor(
    readonly rolloutId: string,
    readonly action: string,
    readonly reason: string,
  ) {
    super(`${action} refused by rollout ${rolloutId}: ${reason}`);
  }
}

/** No rollout with that id: not in Temporal, or not in the ledger of the worker asked. */
export class RolloutNotFoundError extends Error {
  override readonly name = 'RolloutNotFoundError';
  constructor(
    readonly rolloutId: string,
    detail: string,
  ) {
    super(`rollout ${rolloutId} not found: ${detail}`);
  }
}
