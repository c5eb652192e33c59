import assert from 'node:assert/strict';
import { ExitCode, exitCodeFor } from '../../../src/cli/main';
import { InvalidInputError } from '../../../src/engine/model/validation';
import { RequestRejectedError, RolloutAlreadyExistsError, RolloutNotFoundError } from '../../../src/client/errors';

describe('CLI exit codes', () => {
  it('tell scripts what went wrong, by error name', () => {
    assert.equal(exitCodeFor(new InvalidInputError('plan', [])), ExitCode.invalidInput);
    assert.equal(exitCodeFor(new RolloutNotFoundError('fw-1', 'no such rollout')), ExitCode.notFound);
    assert.equal(exitCodeFor(new RolloutAlreadyExistsError('fw-1')), ExitCode.conflict);
    assert.equal(exitCodeFor(new RequestRejectedError('fw-1', 'resume', 'the rollout is not paused')), ExitCode.rejected);
    assert.equal(exitCodeFor(new Error('connection refused')), ExitCode.failed);
    assert.equal(new Set(Object.values(ExitCode)).size, Object.keys(ExitCode).length, 'every code means one thing');
  });
});
