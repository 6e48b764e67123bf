import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Resource } from '@opentelemetry/resources';

export interface OtlpSettings {
  readonly endpoint?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly serviceName: string;
}

export interface SpanSink {
  readonly resource: Resource;
  push(spans: ReadableSpan[]): void;
  flush(): Promise<void>;
  close(): Promise<void>;
  readonly exported: number;
  readonly failed: number;
}

/**
 * OTLP/HTTP export of the spans built in the worker. The OpenTelemetry packages are imported only
 * when tracing is switched on: with it off, they are never loaded.
 */
export async function createOtlpSink(s: OtlpSettings, onError: (err: unknown) => void): Promise<SpanSink> {
  const [{ OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([import('@opentelemetry/exporter-trace-otlp-http'), import('@opentelemetry/resources')]);
  const url = s.endpoint ?? process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] ?? 'http://127.0.0.1:4318/v1/traces';
  const exporter: SpanExporter = new OTLPTraceExporter({ url, headers: { ...s.headers } });
  const resource = resourceFromAttributes({ 'service.name': s.serviceName });
  let pending: ReadableSpan[] = [];
  const inFlight = new Set<Promise<void>>();
  let exported = 0;
  let failed = 0;
  const send = (): Promise<void> => {
    if (pending.length === 0) return Promise.resolve();
    const batch = pending;
    pending = [];
    const p = new Promise<void>((resolve) => {
      exporter.export(batch, (r) => {
        if ((r.code as number) === 0 /* ExportResultCode.SUCCESS */) exported += batch.length;
        else {
          failed += batch.length;
          onError(r.error ?? new Error('OTLP export failed'));
        }
        resolve();
      });
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  };
  const timer = setInterval(() => void send(), 1000);
  timer.unref();
  const flush = async (): Promise<void> => {
    await send();
    await Promise.all([...inFlight]);
  };
  return {
    resource,
    push(spans) {
      pending.push(...spans);
      // Bounded: a collector that is down never makes the worker grow without limit.
      if (pending.length > 50_000) {
        failed += pending.length - 50_000;
        pending.splice(0, pending.length - 50_000);
      }
      if (pending.length >= 512 && inFlight.size < 4) void send();
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
      await exporter.shutdown();
    },
    get exported() {
      return exported;
    },
    get failed() {
      return failed;
    },
  };
}
