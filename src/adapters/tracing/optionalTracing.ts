import type { ClientOptions } from '@temporalio/client';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { tracingSettings, type Config } from '../../config';
import type { startTracing as StartTracing } from './tracing';

/** Which process exports: it names the default service, `fleet-rollout-<role>`. */
export type TracingRole = 'worker' | 'client';

/** What a process adds to its client and worker while it exports traces. */
export interface Tracing {
  /** Spread into a `Client`'s options: its workflow calls start spans and carry them in their headers. */
  client: Pick<ClientOptions, 'interceptors'>;
  worker: {
    activity: ActivityInterceptorsFactory[];
    workflowModules: string[];
    sinks: InjectedSinks<OpenTelemetrySinks>;
  };
  /** Exports the spans still buffered, then unregisters the provider so the process could start tracing again. */
  shutdown(): Promise<void>;
}

/** Tracing when the environment asks for it (`OTEL_*`); when it does not, no OpenTelemetry module is even loaded. */
export function tracingFor(config: Config, role: TracingRole): Tracing | undefined {
  const settings = tracingSettings(config);
  if (!settings) return undefined;
  // require, not import(): `bin/rollout.js` registers tsx for CommonJS only, and import() would take Node's ESM loader.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracing } = require('./tracing') as { startTracing: typeof StartTracing };
  return startTracing(settings, role);
}
