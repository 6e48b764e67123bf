import { Counter, Registry } from 'prom-client';
import type { CallFacts } from '../record.js';
import { BoundHistogram, type HistogramSeries } from './bound-histogram.js';

/** A bound counter child and what was counted for it since the last flush. */
interface Pending {
  readonly counter: Counter.Internal;
  n: number;
}

interface RouteSeries {
  readonly service: string;
  readonly route: string;
  readonly duration: HistogramSeries;
  readonly gateway: HistogramSeries;
  readonly upstream: HistogramSeries;
  readonly bytesIn: Pending;
  readonly bytesOut: Pending;
  /** Request counters by status (negative: the gateway answered, positive: the upstream). */
  readonly statuses: Map<number, Pending>;
}

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Per-request metrics, computed in the telemetry worker from the same records as the call logs (the
 * request path pays nothing for them). Labels are bounded by the config (service, route, policy id,
 * reason code, model), never by consumers or paths.
 */
export class RequestMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({ name: 'sluice_requests_total', help: 'Finished requests by service, route, status and who answered.', labelNames: ['service', 'route', 'status', 'answered_by'] as const, registers: [this.registry] });
  private readonly duration = new BoundHistogram('sluice_request_duration_seconds', 'Total time of a request, from its first byte to its last.', ['service', 'route'] as const, SECONDS, this.registry);
  private readonly gateway = new BoundHistogram('sluice_gateway_duration_seconds', 'Time the gateway spent itself (total minus upstream time).', ['service', 'route'] as const, SECONDS, this.registry);
  private readonly upstream = new BoundHistogram('sluice_upstream_duration_seconds', 'Time spent in upstream attempts.', ['service', 'route'] as const, SECONDS, this.registry);
  private readonly denials = new Counter({ name: 'sluice_denials_total', help: 'Requests refused, by the policy that decided (or "gateway") and the reason code.', labelNames: ['policy', 'code', 'route'] as const, registers: [this.registry] });
  private readonly shadow = new Counter({ name: 'sluice_shadow_denials_total', help: 'Denials recorded by policies in shadow mode (not enforced).', labelNames: ['policy', 'code'] as const, registers: [this.registry] });
  private readonly retries = new Counter({ name: 'sluice_upstream_retries_total', help: 'Upstream attempts beyond the first.', labelNames: ['service'] as const, registers: [this.registry] });
  private readonly upstreamErrors = new Counter({ name: 'sluice_upstream_errors_total', help: 'Failed upstream attempts by target and reason code.', labelNames: ['service', 'target', 'code'] as const, registers: [this.registry] });
  private readonly bytes = new Counter({ name: 'sluice_bytes_total', help: 'Body bytes received from clients (in) and sent to them (out).', labelNames: ['service', 'route', 'direction'] as const, registers: [this.registry] });
  private readonly tokens = new Counter({ name: 'sluice_ai_tokens_total', help: 'LLM tokens by provider, model and type (input, output, cached, reasoning).', labelNames: ['provider', 'model', 'type'] as const, registers: [this.registry] });
  private readonly cost = new Counter({ name: 'sluice_ai_cost_usd_total', help: 'Cost of LLM calls in USD, by provider and model.', labelNames: ['provider', 'model'] as const, registers: [this.registry] });
  readonly written = new Counter({ name: 'sluice_log_records_written_total', help: 'Call-log records written to the store.', registers: [this.registry] });
  readonly writeFailures = new Counter({ name: 'sluice_log_write_failures_total', help: 'Call-log records lost because a store write failed.', registers: [this.registry] });
  readonly sinkSent = new Counter({ name: 'sluice_log_sink_records_total', help: 'Records delivered to an export sink.', labelNames: ['sink'] as const, registers: [this.registry] });
  readonly sinkDropped = new Counter({ name: 'sluice_log_sink_dropped_total', help: 'Records an export sink dropped (queue full or delivery failed after retries).', labelNames: ['sink'] as const, registers: [this.registry] });
  readonly spans = new Counter({ name: 'sluice_trace_spans_exported_total', help: 'OpenTelemetry spans handed to the OTLP exporter.', registers: [this.registry] });

  /**
   * Label-bound series per route and per status. Counter increments are summed here and handed to
   * prom-client once per batch (`flush`): its counters hash and validate the labels on every call.
   */
  private readonly perRoute = new Map<string, RouteSeries>();
  private lastRoute: RouteSeries | undefined;
  private readonly touched = new Set<Pending>();

  private pend(p: Pending, n: number): void {
    p.n += n;
    this.touched.add(p);
  }

  /** Hands the counts summed since the last flush to prom-client (the engine calls it after each batch). */
  flush(): void {
    for (const p of this.touched) {
      p.counter.inc(p.n);
      p.n = 0;
    }
    this.touched.clear();
  }

  observe(f: CallFacts): void {
    const t = f.trace;
    const service = t.serviceId ?? '';
    const route = t.routeId ?? '';
    // Consecutive requests are mostly of one route and status: the previous one's series first.
    let r = this.lastRoute;
    if (!r || r.service !== service || r.route !== route) {
      const rk = `${service}\u0001${route}`;
      r = this.perRoute.get(rk);
      if (!r) {
        r = {
          service, route,
          duration: this.duration.series({ service, route }),
          gateway: this.gateway.series({ service, route }),
          upstream: this.upstream.series({ service, route }),
          bytesIn: { counter: this.bytes.labels({ service, route, direction: 'in' }), n: 0 },
          bytesOut: { counter: this.bytes.labels({ service, route, direction: 'out' }), n: 0 },
          statuses: new Map(),
        };
        this.perRoute.set(rk, r);
      }
      this.lastRoute = r;
    }
    const sk = t.answeredBy === 'upstream' ? t.status : -t.status;
    let c = r.statuses.get(sk);
    if (!c) r.statuses.set(sk, (c = { counter: this.requests.labels({ service, route, status: t.status, answered_by: t.answeredBy }), n: 0 }));
    this.pend(c, 1);
    r.duration.observe(t.durationMs / 1000);
    if (f.overheadMs !== undefined) r.gateway.observe(f.overheadMs / 1000);
    if (f.upstreamMs !== undefined) r.upstream.observe(f.upstreamMs / 1000);
    if (f.denied) this.denials.inc({ policy: t.decidedBy?.id ?? 'gateway', code: t.code ?? '', route });
    const attempts = t.upstream?.attempts ?? 0;
    if (attempts > 1) this.retries.inc({ service }, attempts - 1);
    for (const e of t.entries) {
      if (e.outcome === 'deny' && e.enforced === false && e.policy) this.shadow.inc({ policy: e.policy.id, code: e.code ?? '' });
      else if (e.step === 'upstream' && e.outcome === 'error' && e.code) {
        const target = typeof e.data?.['target'] === 'string' ? e.data['target'] : '';
        this.upstreamErrors.inc({ service, target, code: e.code });
      }
    }
    if (t.bytesIn) this.pend(r.bytesIn, t.bytesIn);
    if (t.bytesOut) this.pend(r.bytesOut, t.bytesOut);
    const ai = f.ai;
    if (ai) {
      const provider = ai.provider ?? '';
      const model = ai.model ?? '';
      if (ai.tokens.input) this.tokens.inc({ provider, model, type: 'input' }, ai.tokens.input);
      if (ai.tokens.output) this.tokens.inc({ provider, model, type: 'output' }, ai.tokens.output);
      if (ai.tokens.cached) this.tokens.inc({ provider, model, type: 'cached' }, ai.tokens.cached);
      if (ai.tokens.reasoning) this.tokens.inc({ provider, model, type: 'reasoning' }, ai.tokens.reasoning);
      if (ai.cost) this.cost.inc({ provider, model }, ai.cost);
    }
  }

  text(): Promise<string> {
    this.flush();
    return this.registry.metrics();
  }
}
