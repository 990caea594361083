/**
 * OpenTelemetry traces (issue 26): one trace per import hour. Temporal's interceptors
 * (@temporalio/interceptors-opentelemetry) make the spans of the workflow and of each activity and
 * carry the context between them through Temporal's headers; the worker adds spans around the
 * partner's HTTP call, DuckDB, the stores and PostgreSQL (worker/tracedDeps.ts).
 *
 * Exported over OTLP/HTTP (JSON) to OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT; off when unset. The
 * OpenTelemetry SDK is the 1.x line because the interceptors 1.24.0 are built on it (their
 * workflow spans reach our span processor as 1.x spans).
 */
import { context, trace, type Attributes, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { envDetectorSync, Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ObservabilityConfig } from '../../config';

const TRACER_NAME = 'temperature-pipeline';

export interface Tracing {
  /** Where workflow spans go (the interceptors' sink) and the resource they carry. */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Flushes what is pending, then stops exporting. */
  shutdown(): Promise<void>;
}

/** What the worker uses when tracing is off: workflow spans are dropped. */
export const TRACING_OFF: Tracing = {
  spanProcessor: new NoopSpanProcessor(),
  resource: Resource.empty(),
  shutdown: () => Promise.resolve(),
};

/**
 * Registers the global tracer provider and exporter when an endpoint is configured; once per
 * process. The exporter reads the endpoint and its other OTEL_EXPORTER_OTLP_* settings from the
 * environment, the provider OTEL_TRACES_SAMPLER* and OTEL_BSP_*, the resource OTEL_RESOURCE_ATTRIBUTES.
 */
export function startTracing(config: ObservabilityConfig['tracing']): Tracing {
  if (config.endpoint === undefined) return TRACING_OFF;
  const resource = new Resource({ 'service.name': config.serviceName }).merge(envDetectorSync.detect());
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register({ propagator: new W3CTraceContextPropagator() });
  return { spanProcessor, resource, shutdown: () => provider.shutdown() };
}

/**
 * Runs `work` inside a span named `name` (a child of the active span), ended when `work` settles;
 * a failure is recorded on it and rethrown. Without a registered provider the span is a no-op.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  return trace.getTracer(TRACER_NAME).startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      const result = await work(span);
      span.end();
      return result;
    } catch (error) {
      endWithError(span, error);
      throw error;
    }
  });
}

/** Ends `span` as failed by `error`. */
export function endWithError(span: Span, error: unknown): void {
  span.recordException(error as Error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
  span.end();
}

/** Starts a span that the caller ends (for work whose end is an event, such as a knex query's). */
export function startSpan(name: string, attributes: Attributes, kind: SpanKind = SpanKind.CLIENT): Span {
  return trace.getTracer(TRACER_NAME).startSpan(name, { kind, attributes }, context.active());
}
