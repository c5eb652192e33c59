import assert from 'node:assert/strict';

export function assertClose(actual: number, expected: number, relativeTolerance = 1e-9): void {
  const tolerance = relativeTolerance * Math.max(Math.abs(expected), Number.MIN_VALUE);
  assert.ok(Math.abs(actual - expected) <= tolerance, `expected ${actual} to be within ${tolerance} of ${expected}`);
}
