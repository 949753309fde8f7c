// OpenTelemetry traces (issue 15 §4). Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: then the Node SDK is started once per process and
// spans go to the OTLP/HTTP endpoint (JSON) in batches. Off means nothing is loaded and the helpers
// below call straight through: no span objects, no context switches, no attribute maps.
//
// A server process holds two copies of the server modules (Next's compiled one, from
// instrumentation, and the tsx one of server/http/main.ts): the state lives on globalThis, and the
// OpenTelemetry API keeps its provider, propagator and context manager there too.

import {
  type Attributes,
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

interface TracingState {
  enabled: boolean;
  /** Flushes the spans still buffered and stops exporting (on shutdown). */
  stop: () => Promise<void>;
}

const holder = globalThis as unknown as { __exoarmurTracing?: TracingState };

/** Whether spans are being made in this process. */
export const tracingEnabled = (): boolean => holder.__exoarmurTracing?.enabled === true;

const endpointFromEnv = () =>
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT || "";

/**
 * Starts the SDK if an OTLP endpoint is configured and it is not running yet in this process.
 * Call it before anything else (server/http/main.ts, instrumentation.ts); later calls are no-ops.
 */
export async function startTracing(): Promise<void> {
  if (holder.__exoarmurTracing) return;
  if (!endpointFromEnv() || process.env.OTEL_SDK_DISABLED === "true") {
    holder.__exoarmurTracing = { enabled: false, stop: async () => {} };
    return;
  }
  // Claimed before the first await: a second copy calling meanwhile does not start a second SDK.
  let provider: { shutdown(): Promise<void> } | null = null;
  // Shutting down flushes what is buffered, for a second at most: a collector that does not answer
  // must not hold up the server's stop (its own timeout is 10 s).
  holder.__exoarmurTracing = {
    enabled: true,
    stop: async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        provider?.shutdown().catch(() => {}),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 1000);
        }),
      ]);
      clearTimeout(timer);
    },
  };
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import("@opentelemetry/sdk-trace-node"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/resources"),
    ]);
  const node = new NodeTracerProvider({
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES are read by the SDK and win over these.
    resource: resourceFromAttributes({ "service.name": process.env.OTEL_SERVICE_NAME || "exoarmur" }),
    // The exporter reads OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT/HEADERS/TIMEOUT itself; the processor
    // OTEL_BSP_*; the sampler OTEL_TRACES_SAMPLER(_ARG) (default: parent-based, always on).
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  node.register();
  provider = node;
}

/** Flushes buffered spans and stops the SDK (a no-op when tracing is off). */
export async function stopTracing(): Promise<void> {
  await holder.__exoarmurTracing?.stop();
}

const tracer = () => trace.getTracer("exoarmur");

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  links?: Link[];
  /** The parent; the active context if not given. */
  parent?: Context;
}

/**
 * Runs `work` inside a new active span when tracing is on (`options` may be a function, so that
 * nothing is computed for it when tracing is off) (ended when `work` settles, with an error
 * status and the exception if it throws), or just runs it with `undefined` when tracing is off.
 */
export function inSpan<T>(
  name: string,
  options: SpanOptions | (() => SpanOptions),
  work: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!tracingEnabled()) return work(undefined);
  const { parent, ...spanOptions } = typeof options === "function" ? options() : options;
  return tracer().startActiveSpan(name, spanOptions, parent ?? context.active(), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Marks a span as failed with this error. */
export function failSpan(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

/** The span active now, when tracing is on. */
export const activeSpan = (): Span | undefined => (tracingEnabled() ? trace.getActiveSpan() : undefined);

const headerGetter = {
  keys: (carrier: Headers) => [...carrier.keys()],
  get: (carrier: Headers, key: string) => carrier.get(key) ?? undefined,
};

/** The context a request's `traceparent` (and `tracestate`) header carries, or the root. */
export const contextFromHeaders = (headers: Headers): Context =>
  propagation.extract(ROOT_CONTEXT, headers, headerGetter);

/** A W3C `traceparent` value, e.g. to store with work that continues later in another process. */
export function traceparentOf(spanContext: SpanContext): string {
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, "0");
  return `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
}

/** The context a stored `traceparent` value stands for (the root if it is malformed). */
export const contextFromTraceparent = (traceparent: string): Context =>
  propagation.extract(ROOT_CONTEXT, { traceparent });

/** Adds the active context's `traceparent` (and `tracestate`) to outgoing request headers. */
export function injectTraceHeaders(headers: Record<string, string>): void {
  if (tracingEnabled()) propagation.inject(context.active(), headers);
}

export { SpanKind };
