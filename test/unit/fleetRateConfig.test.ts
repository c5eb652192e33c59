import assert from 'node:assert/strict';
import { fleetRateLimit, loadConfig } from '../../src/config';

describe("the worker's request rate to the device-management service, from its environment", () => {
  const configFrom = (variables: Record<string, string>) => loadConfig({ HOME: '/nonexistent', ...variables });

  it('paces at 20 requests per second with a second of burst when nothing is set', () => {
    assert.deepEqual(fleetRateLimit(configFrom({})), { requestsPerSecond: 20 });
  });

  it('takes FLEET_REQUESTS_PER_SECOND and FLEET_REQUEST_BURST', () => {
    assert.deepEqual(fleetRateLimit(configFrom({ FLEET_REQUESTS_PER_SECOND: '250', FLEET_REQUEST_BURST: '50' })), { requestsPerSecond: 250, burst: 50 });
  });

  for (const [name, value, fix] of [
    ['FLEET_REQUESTS_PER_SECOND', '0', 'requests per second above 0'],
    ['FLEET_REQUESTS_PER_SECOND', 'fast', 'write a number'],
    ['FLEET_REQUEST_BURST', '2.5', 'a whole number of requests'],
    ['FLEET_REQUEST_BURST', '0', 'at least 1 request'],
  ] as const) {
    it(`refuses ${name}=${value}, naming the variable and what would do`, () => {
      assert.throws(() => configFrom({ [name]: value }), (error: Error) => error.message.includes(name) && error.message.includes(fix));
    });
  }
});
