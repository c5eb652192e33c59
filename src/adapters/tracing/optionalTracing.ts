import type { WorkflowClientInterceptor } from '@temporalio/client';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { tracingSettings, type Config } from '../../config';

/** Which process exports: it names the default service, `fleet-rollout-<role>`. */
export type TracingRole = 'worker' | 'client';

/** What a process adds to its client and worker while it exports traces. */
export interface Tracing {
  clientInterceptors(): WorkflowClientInterceptor[];
  worker: {
    activity: ActivityInterceptorsFactory[];
    workflowModules: string[];
    sinks: InjectedSinks<OpenTelemetrySinks>;
  };
  /** Exports the spans still buffered, then unregisters the provider so the process could start tracing again. */
  shutdown(): Promise<void>;
}

/** Tracing when the environment asks for it (`OTEL_*`); when it does not, no OpenTelemetry module is even loaded. */
export async function tracingFor(config: Config, role: TracingRole): Promise<Tracing | undefined> {
  const settings = tracingSettings(config);
  if (!settings) return undefined;
  const { startTracing } = await import('./tracing');
  return startTracing(settings, role);
}
