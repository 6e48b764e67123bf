import { randomUUID } from 'node:crypto';

/** The W3C trace context of one request, kept in `annotations.trace_context` (and so in call logs). */
export interface TraceContext {
  readonly trace_id: string;
  /** The gateway's span for this request (the parent of the upstream's spans). */
  readonly span_id: string;
  /** The caller's span, when a traceparent came in. */
  readonly parent_span_id?: string;
  readonly sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-|$)/;

/** Parses a traceparent header (W3C Trace Context level 1); undefined when absent or invalid. */
export function parseTraceparent(v: string | string[] | undefined): { traceId: string; spanId: string; sampled: boolean } | undefined {
  if (typeof v !== 'string') return undefined;
  const m = TRACEPARENT.exec(v.trim().toLowerCase());
  if (!m || m[1] === 'ff') return undefined;
  // A version-00 header must be exactly 55 characters; later versions may append fields.
  if (m[1] === '00' && v.trim().length !== 55) return undefined;
  const traceId = m[2]!;
  const spanId = m[3]!;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (parseInt(m[4]!, 16) & 1) === 1 };
}

/** 128 random bits as 32 hex digits (randomUUID draws from a pooled CSPRNG: ~100 ns). */
export function newTraceId(): string {
  const u = randomUUID();
  return u.slice(0, 8) + u.slice(9, 13) + u.slice(14, 18) + u.slice(19, 23) + u.slice(24);
}

export function newSpanId(): string {
  const u = randomUUID();
  return u.slice(0, 8) + u.slice(24, 32);
}

/** Continues the caller's trace or starts one (sampled by ratio); the gateway gets a new span id. */
export function startContext(header: string | string[] | undefined, sampleRatio: number): TraceContext {
  const parent = parseTraceparent(header);
  if (parent) return { trace_id: parent.traceId, span_id: newSpanId(), parent_span_id: parent.spanId, sampled: parent.sampled };
  return { trace_id: newTraceId(), span_id: newSpanId(), sampled: sampleRatio >= 1 || Math.random() < sampleRatio };
}

export function formatTraceparent(c: TraceContext): string {
  return `00-${c.trace_id}-${c.span_id}-${c.sampled ? '01' : '00'}`;
}
