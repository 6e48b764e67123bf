import { SpanKind, SpanStatusCode, type Attributes, type HrTime, type SpanContext } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { TraceEntry } from '../../core/trace.js';
import type { CallFacts } from '../record.js';
import { newSpanId, type TraceContext } from './context.js';

const SCOPE = { name: 'sluice', version: '0.1.0' };

function hr(ms: number): HrTime {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}

function clean(a: Record<string, string | number | boolean | undefined>): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(a)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

function span(resource: Resource, ctx: SpanContext, parent: SpanContext | undefined, name: string, kind: SpanKind, startMs: number, endMs: number, attributes: Attributes, error?: string): ReadableSpan {
  const start = hr(startMs);
  const end = hr(Math.max(endMs, startMs));
  return {
    name,
    kind,
    spanContext: () => ctx,
    parentSpanContext: parent,
    startTime: start,
    endTime: end,
    duration: hr(Math.max(endMs - startMs, 0)),
    status: error ? { code: SpanStatusCode.ERROR, message: error } : { code: SpanStatusCode.UNSET },
    attributes,
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationScope: SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

function entrySpan(resource: Resource, root: SpanContext, e: TraceEntry, startMs: number, method: string): ReadableSpan {
  const ctx: SpanContext = { traceId: root.traceId, spanId: newSpanId(), traceFlags: root.traceFlags };
  const end = startMs + e.ms;
  if (e.step === 'upstream') {
    const status = typeof e.data?.['status'] === 'number' ? e.data['status'] : undefined;
    const target = typeof e.data?.['target'] === 'string' ? e.data['target'] : undefined;
    let address: string | undefined;
    let port: number | undefined;
    if (target) {
      try {
        const u = new URL(target);
        address = u.hostname;
        port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
      } catch {
        address = target;
      }
    }
    const attrs = clean({
      'http.request.method': method, 'server.address': address, 'server.port': port, 'http.response.status_code': status,
      'http.request.resend_count': typeof e.data?.['attempt'] === 'number' && e.data['attempt'] > 1 ? e.data['attempt'] - 1 : undefined,
      'error.type': e.outcome === 'error' ? e.code : undefined, 'sluice.reason_code': e.code,
    });
    return span(resource, ctx, root, method, SpanKind.CLIENT, startMs, end, attrs, e.outcome === 'error' ? e.detail ?? e.code : undefined);
  }
  const name = e.policy ? `policy ${e.policy.name}` : `gateway ${e.step ?? e.phase}`;
  const attrs = clean({
    'sluice.policy.id': e.policy?.id, 'sluice.policy.name': e.policy?.name, 'sluice.policy.scope': e.policy?.scope, 'sluice.phase': e.phase,
    'sluice.outcome': e.outcome, 'sluice.reason_code': e.code, 'sluice.detail': e.detail, 'sluice.enforced': e.enforced,
  });
  return span(resource, ctx, root, name, SpanKind.INTERNAL, startMs, end, attrs, e.outcome === 'error' ? e.detail ?? e.code : undefined);
}

/**
 * The spans of one finished request, built after the fact from its decision trace: a SERVER span
 * for the request (id = the span id sent upstream in traceparent), one INTERNAL span per policy,
 * one CLIENT span per upstream attempt, and for AI calls a GenAI CLIENT span. Entries carry
 * durations, not start times: children are laid end to end from the request start.
 */
export function requestSpans(f: CallFacts, tc: TraceContext, resource: Resource): ReadableSpan[] {
  const t = f.trace;
  const flags = tc.sampled ? 1 : 0;
  const root: SpanContext = { traceId: tc.trace_id, spanId: tc.span_id, traceFlags: flags };
  const parent: SpanContext | undefined = tc.parent_span_id ? { traceId: tc.trace_id, spanId: tc.parent_span_id, traceFlags: flags, isRemote: true } : undefined;
  const ai = f.ai;
  const rootAttrs = clean({
    'http.request.method': t.method, 'url.path': t.path, 'http.route': t.routeId, 'http.response.status_code': t.status,
    'client.address': t.clientIp, 'server.address': t.host, 'sluice.request_id': t.requestId, 'sluice.route': t.routeId, 'sluice.service': t.serviceId,
    'sluice.api': f.owner.api, 'sluice.team': f.owner.team, 'sluice.consumer': t.consumerId, 'sluice.credential': t.credentialId,
    'sluice.answered_by': t.answeredBy, 'sluice.reason_code': t.code, 'sluice.decided_by': t.decidedBy?.id, 'sluice.config_version': t.configVersion,
    'error.type': t.status >= 500 ? t.code ?? String(t.status) : undefined,
    ...(ai ? genAi(ai) : {}),
  });
  const spans = [
    span(resource, root, parent, `${t.method} ${t.routeId ?? '(no route)'}`, SpanKind.SERVER, t.timestamp, t.timestamp + t.durationMs, rootAttrs, t.status >= 500 ? t.code ?? `status ${t.status}` : undefined),
  ];
  let cursor = t.timestamp;
  for (const e of t.entries) {
    if (!e.policy && e.step !== 'upstream') continue;
    spans.push(entrySpan(resource, root, e, cursor, t.method));
    cursor += e.ms;
  }
  if (ai) {
    const end = t.timestamp + t.durationMs;
    const start = f.upstreamMs !== undefined ? end - f.upstreamMs : t.timestamp;
    const ctx: SpanContext = { traceId: root.traceId, spanId: newSpanId(), traceFlags: flags };
    spans.push(span(resource, ctx, root, `chat ${ai.model ?? ''}`.trim(), SpanKind.CLIENT, start, end, clean(genAi(ai)), t.status >= 500 ? t.code : undefined));
  }
  return spans;
}

function genAi(ai: NonNullable<CallFacts['ai']>): Record<string, string | number | undefined> {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': ai.provider,
    'gen_ai.system': ai.provider,
    'gen_ai.request.model': ai.model,
    'gen_ai.response.model': ai.model,
    'gen_ai.usage.input_tokens': ai.tokens.input,
    'gen_ai.usage.output_tokens': ai.tokens.output,
    'gen_ai.usage.cache_read.input_tokens': ai.tokens.cached || undefined,
    'gen_ai.usage.reasoning.output_tokens': ai.tokens.reasoning || undefined,
    'sluice.ai.attempts': ai.attempts,
    'sluice.ai.cost_usd': ai.cost,
  };
}
