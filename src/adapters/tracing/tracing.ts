import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type { Tracing, TracingRole } from './optionalTracing';
import type { TracingSettings } from '../../config';

/**
 * The SDK's own workflow interceptors (inbound, outbound, internals), added to the worker's bundle
 * when tracing is on: no OpenTelemetry import in the engine, and no bundle change when it is off.
 */
export const WORKFLOW_INTERCEPTORS_MODULE = require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors');

function exporterFor({ tracesUrl, protocol }: TracingSettings): SpanExporter {
  return protocol === 'http/json' ? new OtlpJsonExporter({ url: tracesUrl }) : new OtlpProtobufExporter({ url: tracesUrl });
}

/**
 * Registers a tracer provider for the whole process. The SDK's client and activity interceptors need
 * it global: they read the active span from the API's context manager (AsyncLocalStorage here) and
 * write it into Temporal headers with the API's propagator (W3C trace context).
 */
export function startTracing(settings: TracingSettings, role: TracingRole): Tracing {
  const resource = Resource.default().merge(new Resource({ ...settings.resourceAttributes, [ATTR_SERVICE_NAME]: settings.serviceName ?? `fleet-rollout-${role}` }));
  const spanProcessor = new BatchSpanProcessor(exporterFor(settings));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return {
    client: { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } },
    worker: {
      activity: [(ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) })],
      workflowModules: [WORKFLOW_INTERCEPTORS_MODULE],
      // Workflow spans leave the sandbox through this sink and join the activity spans' batches.
      sinks: { exporter: makeWorkflowExporter(spanProcessor, resource) },
    },
    async shutdown() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
