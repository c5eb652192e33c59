import Fastify from 'fastify';

/** One span as OTLP/HTTP JSON carries it (ids in hex), with the service that sent it. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
  attributes: Record<string, unknown>;
}

interface KeyValue {
  key: string;
  value: Record<string, unknown>;
}

interface ExportTraceServiceRequest {
  resourceSpans: { resource?: { attributes?: KeyValue[] }; scopeSpans: { spans?: (Omit<ReceivedSpan, 'service' | 'attributes'> & { attributes?: KeyValue[] })[] }[] }[];
}

/** OTLP's AnyValue holds one of stringValue, intValue, boolValue, ...: its only field. */
const attributesOf = (list: KeyValue[] = []): Record<string, unknown> => Object.fromEntries(list.map(({ key, value }) => [key, Object.values(value)[0]]));

export interface OtlpCollector {
  /** The base URL for OTEL_EXPORTER_OTLP_ENDPOINT: spans arrive at `<endpoint>/v1/traces`. */
  endpoint: string;
  spans: ReceivedSpan[];
  close(): Promise<void>;
}

/** An OpenTelemetry collector's OTLP/HTTP JSON receiver (`http/json`), keeping every span it is sent. */
export async function otlpCollector(): Promise<OtlpCollector> {
  const spans: ReceivedSpan[] = [];
  const app = Fastify({ bodyLimit: 64 * 1024 * 1024 });
  app.post('/v1/traces', async (request) => {
    for (const { resource, scopeSpans } of (request.body as ExportTraceServiceRequest).resourceSpans) {
      const service = String(attributesOf(resource?.attributes)['service.name']);
      for (const span of scopeSpans.flatMap((scope) => scope.spans ?? [])) {
        spans.push({ traceId: span.traceId, spanId: span.spanId, ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}), name: span.name, service, attributes: attributesOf(span.attributes) });
      }
    }
    return {};
  });
  const endpoint = await app.listen({ port: 0, host: '127.0.0.1' });
  return { endpoint, spans, close: () => app.close() };
}
