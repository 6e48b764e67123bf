import type { GatewayStep } from '../core/phases.js';
import type { Outcome, PolicyRef, PolicyScope, RequestTrace, TraceEntry } from '../core/trace.js';
import { int8, type CallLogRow } from '../store/telemetry/tables.js';
import { bodySizes, type CapturedBodies } from './bodies/capture.js';
import { ownerOf, type DimensionTable, type Owner } from './dimensions.js';

/** What an AI call adds (the AI module's `annotations.ai`). */
export interface AiFacts {
  /** `chat`, `messages`, `embeddings` or `models`: the inbound API. */
  readonly api?: string;
  readonly provider?: string;
  /** The Sluice model that served the call (after aliases). */
  readonly model?: string;
  /** The model name the client sent. */
  readonly requestedModel?: string;
  /** The provider's name of the model. */
  readonly upstreamModel?: string;
  readonly attempts?: number;
  readonly tokens: { readonly input: number; readonly output: number; readonly cached: number; readonly reasoning: number; readonly cacheWrite: number };
  readonly cost?: number;
  readonly finishReason?: string;
}

/** A finished request with what every consumer of it (store, rollups, metrics, spans) derives once. */
export interface CallFacts {
  readonly trace: RequestTrace;
  readonly owner: Owner;
  /** Sum of the upstream attempts' time (ms), when the request went upstream. */
  readonly upstreamMs?: number;
  /** Connect time of the last upstream attempt (ms). */
  readonly connectMs?: number;
  /** Time the gateway spent itself: total minus upstream time. */
  readonly overheadMs?: number;
  readonly ai?: AiFacts;
  /** A policy or the gateway refused the request (not an upstream failure, not a client that left). */
  readonly denied: boolean;
  readonly bodies?: CapturedBodies;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function aiFacts(a: unknown): AiFacts | undefined {
  if (!a || typeof a !== 'object') return undefined;
  const o = a as Record<string, unknown>;
  const t = (o['tokens'] ?? {}) as Record<string, unknown>;
  return {
    api: str(o['api']),
    provider: str(o['provider']),
    model: str(o['model']),
    requestedModel: str(o['requested_model']),
    upstreamModel: str(o['upstream_model']),
    attempts: num(o['attempts']),
    tokens: { input: num(t['input']) ?? 0, output: num(t['output']) ?? 0, cached: num(t['cached']) ?? 0, reasoning: num(t['reasoning']) ?? 0, cacheWrite: num(t['cache_write']) ?? 0 },
    cost: num(o['cost']),
    finishReason: str(o['finish_reason']),
  };
}

function isUpstream(e: TraceEntry): boolean {
  return e.step === 'upstream';
}

/** A capture as the request path handed it over (a stored record holds only its sizes there). */
function isCapture(b: unknown): b is CapturedBodies {
  return typeof b === 'object' && b !== null && typeof (b as { reqSeen?: unknown }).reqSeen === 'number';
}

/** `owner`: the team and API when already known (a stored record); else from the config's dimension table. */
export function callFacts(trace: RequestTrace, table: DimensionTable | undefined, owner?: Owner): CallFacts {
  let upstreamMs: number | undefined;
  let connectMs: number | undefined;
  for (const e of trace.entries) {
    if (!isUpstream(e)) continue;
    upstreamMs = (upstreamMs ?? 0) + e.ms;
    const c = num(e.data?.['connectMs']);
    if (c !== undefined) connectMs = c;
  }
  const overheadMs = upstreamMs !== undefined ? Math.max(0, trace.durationMs - upstreamMs) : trace.answeredBy === 'gateway' ? trace.durationMs : undefined;
  const gatewayRefusal = trace.answeredBy === 'gateway' && trace.status >= 400 && trace.status < 500 && trace.status !== 499;
  const ann = trace.annotations;
  return {
    trace,
    owner: owner ?? ownerOf(table, trace.routeId, trace.serviceId),
    upstreamMs,
    connectMs,
    overheadMs,
    ai: ann ? aiFacts(ann['ai']) : undefined,
    denied: trace.answeredBy === 'gateway' && (trace.decidedBy !== undefined || gatewayRefusal),
    bodies: isCapture(ann?.['bodies']) ? ann['bodies'] : undefined,
  };
}

/** The part of a trace that the row's columns do not hold: what was decided and recorded (format 1, still read). */
interface StoredTraceV1 {
  readonly entries: RequestTrace['entries'];
  readonly decidedBy?: RequestTrace['decidedBy'];
  readonly annotations?: RequestTrace['annotations'];
}

/**
 * One entry, positional: who (a gateway step's name, or the policy as `[id, name, scope]`), phase,
 * outcome, ms, then code, detail, data, enforced (null when absent; absent ones at the end dropped).
 */
type StoredEntry = [who: string | [string, string, PolicyScope], phase: TraceEntry['phase'], outcome: Outcome, ms: number, code?: string | null, detail?: string | null, data?: TraceEntry['data'] | null, enforced?: boolean | null];

/** Format 2: entries as positional arrays and times to the microsecond, about a third fewer bytes than format 1. */
interface StoredTraceV2 {
  readonly v: 2;
  readonly e: StoredEntry[];
  readonly d?: PolicyRef;
  readonly a?: RequestTrace['annotations'];
}

/** Milliseconds to the microsecond: what a trace's times mean (a float's 15 digits are noise and bytes). */
const micros = (ms: number): number => Math.round(ms * 1000) / 1000;

function storeEntry(e: TraceEntry): StoredEntry {
  const out: StoredEntry = [e.policy ? [e.policy.id, e.policy.name, e.policy.scope] : (e.step ?? ''), e.phase, e.outcome, micros(e.ms), e.code ?? null, e.detail ?? null, e.data ?? null, e.enforced ?? null];
  let n = out.length;
  while (n > 4 && out[n - 1] === null) n--;
  out.length = n;
  return out;
}

type EntryDraft = { -readonly [K in keyof Omit<TraceEntry, 'ms'>]: Omit<TraceEntry, 'ms'>[K] };

function loadEntry(x: StoredEntry): TraceEntry {
  const [who, phase, outcome, ms, code, detail, data, enforced] = x;
  // Built in the order a live trace reads: who, what was decided, why, what was looked at, time.
  const e: EntryDraft = typeof who !== 'string' ? { policy: { id: who[0], name: who[1], scope: who[2] }, phase, outcome } : who !== '' ? { step: who as GatewayStep, phase, outcome } : { phase, outcome };
  if (typeof code === 'string') e.code = code;
  if (typeof detail === 'string') e.detail = detail;
  if (typeof enforced === 'boolean') e.enforced = enforced;
  if (data) e.data = data;
  return { ...e, ms };
}

/**
 * The trace as stored: only what the columns do not already hold, entries positional (format 2);
 * body bytes stay out, only their sizes. Fewer bytes is less to serialize and to write on every
 * request. `presentRow` puts the whole trace back.
 */
function storedTrace(f: CallFacts): string {
  const t = f.trace;
  let annotations = t.annotations;
  if (f.bodies && annotations) {
    const { bodies, ...rest } = annotations;
    const b = bodies as CapturedBodies;
    annotations = { ...rest, bodies: bodySizes(b) };
  }
  const stored: StoredTraceV2 = { v: 2, e: t.entries.map(storeEntry), ...(t.decidedBy ? { d: t.decidedBy } : {}), ...(annotations ? { a: annotations } : {}) };
  return JSON.stringify(stored);
}

type StoredTrace = StoredTraceV2 | StoredTraceV1 | RequestTrace;

/** The whole RequestTrace of a stored row (as `sluice explain` renders it). */
function traceOf(r: RowLike, stored: StoredTrace): RequestTrace {
  // Rows written before traces were stored compactly hold the whole trace.
  if ('requestId' in stored) return stored;
  const v2 = 'v' in stored;
  const entries = v2 ? stored.e.map(loadEntry) : stored.entries;
  const decidedBy = v2 ? stored.d : stored.decidedBy;
  const annotations = v2 ? stored.a : stored.annotations;
  const t: { -readonly [K in keyof RequestTrace]: RequestTrace[K] } = {
    requestId: r.request_id,
    timestamp: int8(r.ts),
    configVersion: r.config_version,
    method: r.method,
    path: r.path,
    clientIp: r.client_ip,
    status: r.status,
    answeredBy: r.answered_by === 'upstream' ? 'upstream' : 'gateway',
    simulated: false,
    durationMs: int8(r.duration_ms),
    entries,
  };
  if (r.host !== null) t.host = r.host;
  if (r.route_id !== null) t.routeId = r.route_id;
  if (r.service_id !== null) t.serviceId = r.service_id;
  if (r.consumer_id !== null) t.consumerId = r.consumer_id;
  if (r.credential_id !== null) t.credentialId = r.credential_id;
  if (r.code !== null) t.code = r.code;
  if (decidedBy) t.decidedBy = decidedBy;
  if (r.bytes_in !== null) t.bytesIn = int8(r.bytes_in);
  if (r.bytes_out !== null) t.bytesOut = int8(r.bytes_out);
  if (r.attempts !== null) {
    t.upstream = {
      attempts: int8(r.attempts),
      ...(r.first_byte_ms !== null ? { firstByteMs: int8(r.first_byte_ms) } : {}),
      ...(r.upstream_target !== null ? { target: r.upstream_target } : {}),
    };
  }
  if (annotations) t.annotations = annotations;
  return t;
}

export function toRow(f: CallFacts, bodies?: { request: string | null; response: string | null }): CallLogRow {
  const t = f.trace;
  return {
    ts: t.timestamp,
    request_id: t.requestId,
    team: f.owner.team ?? null,
    api: f.owner.api ?? null,
    service_id: t.serviceId ?? null,
    route_id: t.routeId ?? null,
    consumer_id: t.consumerId ?? null,
    credential_id: t.credentialId ?? null,
    client_ip: t.clientIp,
    method: t.method,
    path: t.path,
    host: t.host ?? null,
    status: t.status,
    answered_by: t.answeredBy,
    code: t.code ?? null,
    policy_id: t.decidedBy?.id ?? null,
    config_version: t.configVersion,
    duration_ms: t.durationMs,
    overhead_ms: f.overheadMs ?? null,
    connect_ms: f.connectMs ?? null,
    first_byte_ms: t.upstream?.firstByteMs ?? null,
    upstream_ms: f.upstreamMs ?? null,
    bytes_in: t.bytesIn ?? null,
    bytes_out: t.bytesOut ?? null,
    upstream_target: t.upstream?.target ?? null,
    attempts: t.upstream?.attempts ?? null,
    provider: f.ai?.provider ?? null,
    model: f.ai?.model ?? null,
    ai_attempts: f.ai?.attempts ?? null,
    tokens_input: f.ai ? f.ai.tokens.input : null,
    tokens_output: f.ai ? f.ai.tokens.output : null,
    tokens_cached: f.ai ? f.ai.tokens.cached : null,
    tokens_reasoning: f.ai ? f.ai.tokens.reasoning : null,
    cost: f.ai?.cost ?? null,
    trace: storedTrace(f),
    request_body: bodies?.request ?? null,
    response_body: bodies?.response ?? null,
  };
}

/** A call-log record as the admin API, the sinks and `sluice logs` show it. */
export interface CallLog {
  readonly request_id: string;
  readonly time: string;
  readonly timestamp: number;
  readonly team: string | null;
  readonly api: string | null;
  readonly service: string | null;
  readonly route: string | null;
  readonly consumer: string | null;
  readonly credential: string | null;
  readonly client_ip: string;
  readonly method: string;
  readonly path: string;
  readonly host: string | null;
  readonly status: number;
  readonly answered_by: string;
  readonly code: string | null;
  readonly decided_by: string | null;
  readonly config_version: number;
  readonly timings: { readonly total_ms: number; readonly gateway_ms: number | null; readonly upstream_connect_ms: number | null; readonly upstream_first_byte_ms: number | null; readonly upstream_ms: number | null };
  readonly bytes_in: number | null;
  readonly bytes_out: number | null;
  readonly upstream: { readonly target: string | null; readonly attempts: number | null } | null;
  readonly ai: { readonly provider: string | null; readonly model: string | null; readonly attempts: number | null; readonly tokens: { readonly input: number; readonly output: number; readonly cached: number; readonly reasoning: number }; readonly cost: number | null } | null;
  readonly bodies?: { readonly request: string | null; readonly response: string | null };
  readonly trace?: RequestTrace;
  /** OpenTelemetry trace id, when tracing was on (detail only). */
  readonly trace_id?: string;
  /** Cursor-able position (admin API only). */
  readonly id?: number;
}

/** A page of call logs; `next` continues it (for order `asc`, always set: poll it to follow). */
export interface CallLogList {
  readonly items: readonly CallLog[];
  readonly next?: string;
}

type RowLike = Omit<CallLogRow, 'trace' | 'request_body' | 'response_body'> & Partial<Pick<CallLogRow, 'trace' | 'request_body' | 'response_body'>> & { id?: number };

const n = (v: number | null | undefined): number | null => (v === null || v === undefined ? null : int8(v));

export function presentRow(r: RowLike, detail = false): CallLog {
  const hasAi = r.provider !== null || r.model !== null || r.tokens_input !== null;
  return {
    ...(r.id !== undefined ? { id: int8(r.id) } : {}),
    request_id: r.request_id,
    time: new Date(int8(r.ts)).toISOString(),
    timestamp: int8(r.ts),
    team: r.team,
    api: r.api,
    service: r.service_id,
    route: r.route_id,
    consumer: r.consumer_id,
    credential: r.credential_id,
    client_ip: r.client_ip,
    method: r.method,
    path: r.path,
    host: r.host,
    status: r.status,
    answered_by: r.answered_by,
    code: r.code,
    decided_by: r.policy_id,
    config_version: r.config_version,
    timings: { total_ms: int8(r.duration_ms), gateway_ms: n(r.overhead_ms), upstream_connect_ms: n(r.connect_ms), upstream_first_byte_ms: n(r.first_byte_ms), upstream_ms: n(r.upstream_ms) },
    bytes_in: n(r.bytes_in),
    bytes_out: n(r.bytes_out),
    upstream: r.upstream_target !== null || r.attempts !== null ? { target: r.upstream_target, attempts: n(r.attempts) } : null,
    ai: hasAi
      ? { provider: r.provider, model: r.model, attempts: n(r.ai_attempts), tokens: { input: int8(r.tokens_input ?? 0), output: int8(r.tokens_output ?? 0), cached: int8(r.tokens_cached ?? 0), reasoning: int8(r.tokens_reasoning ?? 0) }, cost: n(r.cost) }
      : null,
    ...(detail ? detailOf(r) : {}),
  };
}

function detailOf(r: RowLike): Pick<CallLog, 'bodies' | 'trace' | 'trace_id'> {
  const trace = r.trace ? traceOf(r, JSON.parse(r.trace) as StoredTrace) : undefined;
  const tc = trace?.annotations?.['trace_context'] as { trace_id?: unknown } | undefined;
  return {
    ...(typeof tc?.trace_id === 'string' ? { trace_id: tc.trace_id } : {}),
    bodies: { request: r.request_body ?? null, response: r.response_body ?? null },
    trace,
  };
}
