import { SpanKind, SpanStatusCode, type Attributes, type HrTime, type SpanContext } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { TraceEntry } from '../../core/trace.js';
import type { AiFacts, CallFacts } from '../record.js';
import { newSpanId, type TraceContext } from './context.js';

const SCOPE = { name: 'sluice', version: '0.1.0' };

function hr(ms: number): HrTime {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
}

function clean(a: Record<string, string | number | boolean | readonly string[] | undefined>): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(a)) if (v !== undefined && v !== '') out[k] = v as Attributes[string];
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

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** GenAI operation of the inbound API (the Anthropic Messages API is a chat). */
function operation(ai: AiFacts): string {
  return ai.api === 'embeddings' ? 'embeddings' : ai.api === 'models' ? 'list_models' : 'chat';
}

function serverOf(target: string | undefined): { address?: string; port?: number } {
  if (!target) return {};
  try {
    const u = new URL(target);
    return { address: u.hostname, port: Number(u.port) || (u.protocol === 'https:' ? 443 : 80) };
  } catch {
    return { address: target };
  }
}

/** An upstream attempt: HTTP client attributes; for an AI provider call, the GenAI inference attributes too. */
function attemptSpan(resource: Resource, root: SpanContext, e: TraceEntry, startMs: number, method: string, ai: AiFacts | undefined, final: boolean): ReadableSpan {
  const ctx: SpanContext = { traceId: root.traceId, spanId: newSpanId(), traceFlags: root.traceFlags };
  const d = e.data ?? {};
  const attempt = int(d['attempt']);
  const failed = e.outcome === 'error';
  const provider = str(d['provider']);
  const { address, port } = serverOf(str(d['target']));
  const common = {
    'http.response.status_code': int(d['status']),
    'error.type': failed ? e.code ?? 'error' : undefined,
    'sluice.reason_code': e.code,
    'sluice.attempt': attempt,
  };
  if (ai && provider) {
    const op = operation(ai);
    const model = str(d['upstream_model']) ?? str(d['model']);
    const attrs = clean({
      ...common,
      'gen_ai.operation.name': op,
      'gen_ai.provider.name': provider,
      'gen_ai.request.model': model,
      'sluice.ai.model': str(d['model']),
      'sluice.ai.key': str(d['key']),
      'sluice.ai.fallback': d['fallback'] === true ? true : undefined,
      ...(final && !failed ? genAiUsage(ai) : {}),
    });
    return span(resource, ctx, root, `${op} ${model ?? ''}`.trim(), SpanKind.CLIENT, startMs, startMs + e.ms, attrs, failed ? e.detail ?? e.code : undefined);
  }
  const attrs = clean({
    ...common,
    'http.request.method': method,
    'server.address': address,
    'server.port': port,
    'http.request.resend_count': attempt !== undefined && attempt > 1 ? attempt - 1 : undefined,
  });
  return span(resource, ctx, root, method, SpanKind.CLIENT, startMs, startMs + e.ms, attrs, failed ? e.detail ?? e.code : undefined);
}

function policySpan(resource: Resource, root: SpanContext, e: TraceEntry, startMs: number): ReadableSpan {
  const ctx: SpanContext = { traceId: root.traceId, spanId: newSpanId(), traceFlags: root.traceFlags };
  const attrs = clean({
    'sluice.policy.id': e.policy?.id, 'sluice.policy.name': e.policy?.name, 'sluice.policy.scope': e.policy?.scope, 'sluice.phase': e.phase,
    'sluice.outcome': e.outcome, 'sluice.reason_code': e.code, 'sluice.detail': e.detail, 'sluice.enforced': e.enforced,
  });
  return span(resource, ctx, root, `policy ${e.policy?.name ?? e.phase}`, SpanKind.INTERNAL, startMs, startMs + e.ms, attrs, e.outcome === 'error' ? e.detail ?? e.code : undefined);
}

/** A real exchange with an upstream (not a target skipped for an open circuit or a cooling key). */
const isAttempt = (e: TraceEntry): boolean => e.step === 'upstream' && (e.outcome === 'allow' || e.outcome === 'error') && (e.ms > 0 || e.data?.['attempt'] !== undefined);

/**
 * The spans of one finished request, built after the fact from its decision trace: a SERVER span
 * for the request (id = the span id sent upstream in traceparent), one INTERNAL span per policy
 * evaluated, one CLIENT span per upstream attempt — for AI calls the GenAI inference span of that
 * provider call. Upstream steps that were no attempt (circuit open, key cooling) are events of the
 * request span. Entries carry durations, not start times: children are laid end to end from the
 * request start.
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
    ...(ai ? genAiRequest(ai) : {}),
  });
  const server = span(resource, root, parent, `${t.method} ${t.routeId ?? '(no route)'}`, SpanKind.SERVER, t.timestamp, t.timestamp + t.durationMs, rootAttrs, t.status >= 500 ? t.code ?? `status ${t.status}` : undefined);
  const spans = [server];
  const events: TimedEvent[] = [];
  let lastAttempt = -1;
  t.entries.forEach((e, i) => {
    if (isAttempt(e)) lastAttempt = i;
  });
  let cursor = t.timestamp;
  t.entries.forEach((e, i) => {
    if (e.policy) spans.push(policySpan(resource, root, e, cursor));
    else if (isAttempt(e)) spans.push(attemptSpan(resource, root, e, cursor, t.method, ai, i === lastAttempt));
    else if (e.step === 'upstream') events.push({ name: e.code ?? 'upstream', time: hr(cursor), attributes: clean({ 'sluice.outcome': e.outcome, 'sluice.detail': e.detail }), droppedAttributesCount: 0 });
    else return;
    cursor += e.ms;
  });
  if (events.length > 0) spans[0] = { ...server, events };
  return spans;
}

/** What the client asked and what it got, on the request span. */
function genAiRequest(ai: AiFacts): Record<string, string | number | readonly string[] | undefined> {
  return {
    'gen_ai.operation.name': operation(ai),
    'gen_ai.provider.name': ai.provider,
    'gen_ai.request.model': ai.requestedModel ?? ai.model,
    'sluice.ai.model': ai.model,
    'sluice.ai.attempts': ai.attempts,
    ...genAiUsage(ai),
  };
}

function genAiUsage(ai: AiFacts): Record<string, string | number | readonly string[] | undefined> {
  return {
    'gen_ai.response.model': ai.upstreamModel ?? ai.model,
    'gen_ai.response.finish_reasons': ai.finishReason ? [ai.finishReason] : undefined,
    'gen_ai.usage.input_tokens': ai.tokens.input,
    'gen_ai.usage.output_tokens': ai.tokens.output,
    'gen_ai.usage.cache_read.input_tokens': ai.tokens.cached || undefined,
    'gen_ai.usage.cache_creation.input_tokens': ai.tokens.cacheWrite || undefined,
    'gen_ai.usage.reasoning.output_tokens': ai.tokens.reasoning || undefined,
    'sluice.ai.cost_usd': ai.cost,
  };
}
