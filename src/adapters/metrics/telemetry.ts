import type { RuntimeOptions } from '@temporalio/worker';
import type { HostPort } from '../workerEndpoints';

/** Runtime telemetry that serves Prometheus metrics at `address`; without one, metrics are not exported. */
export function telemetryOptions(address: HostPort | undefined): RuntimeOptions['telemetryOptions'] {
  if (!address) return undefined;
  return { metrics: { prometheus: { bindAddress: `${address.host}:${address.port}` } } };
}
