import { now } from '../../core/clock.js';
import { ProviderFailure } from '../../core/llm/errors.js';
import type { EmbeddingsRequest } from '../../core/llm/embeddings.js';
import type { StreamStep, StreamTranslator } from '../../core/llm/stream.js';
import type { ChatRequest, Usage } from '../../core/llm/types.js';
import { GoogleTokenError } from '../keys/google-token.js';
import type { ChatExchange, ParsedChat, ParsedEmbeddings, Target, UpstreamCall } from '../providers/contract.js';
import type { Attempt, AttemptResult } from '../routing/router.js';
import type { AttemptScope } from '../routing/scope.js';
import type { AttemptFailure } from '../routing/verdict.js';
import { classifyTransport, TransportError, UpstreamExchange } from '../upstream/http.js';

/** Largest error body read from a provider (they are small JSON documents). */
const ERROR_BODY_LIMIT = 256 * 1024;

const failure = (f: AttemptFailure): { ok: false; failure: AttemptFailure } => ({ ok: false, failure: f });

function transportFailure(a: Attempt, err: unknown): { ok: false; failure: AttemptFailure } {
  return failure({ kind: 'transport', error: a.scope.reason ?? classifyTransport(err) });
}

/** Sends the call on the provider's pool (with the gateway's traceparent when tracing is on); resolves once the status line and headers arrived. */
function dispatch(a: Attempt, call: UpstreamCall, traceparent: string | undefined): UpstreamExchange {
  const p = a.deployment.provider;
  const ex = new UpstreamExchange();
  a.scope.bind(ex);
  const path = call.url.startsWith(p.origin) ? call.url.slice(p.origin.length) || '/' : pathOf(call.url);
  const headers = traceparent === undefined ? call.headers : { ...call.headers, traceparent };
  p.pool().dispatch({ method: call.method, path, headers, body: call.body, headersTimeout: 0, bodyTimeout: 0 }, ex);
  return ex;
}

function pathOf(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}

/** Waits for `p` unless the attempt's scope fires first (client gone, deadline, attempt timeout). */
function withinScope<T>(scope: AttemptScope, p: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    scope.bind({ abort: reject });
    p.then(resolve, reject);
  });
}

/**
 * The attempt's Target. A key that mints bearer tokens (a Vertex AI service account) gets the
 * current token, from the cache: the token endpoint is called only when no valid token exists.
 * The endpoint refusing the grant (400/401) is that key's auth failure; any other failure is the
 * upstream's (502).
 */
async function targetOf(a: Attempt): Promise<Target | { ok: false; failure: AttemptFailure }> {
  const source = a.key.material.tokenSource;
  if (!source) return a.target;
  try {
    return { ...a.target, apiKey: await withinScope(a.scope, source.token()) };
  } catch (err) {
    if (err instanceof TransportError) return transportFailure(a, err);
    if (!(err instanceof GoogleTokenError)) throw err;
    const refused = err.status === 400 || err.status === 401;
    return failure({ kind: 'provider', error: refused ? { status: 401, kind: 'auth', message: err.message } : { status: 502, kind: 'server', message: err.message } });
  }
}

/** A non-2xx answer, read whole and given to the adapter to classify. */
async function providerError(a: Attempt, target: Target, ex: UpstreamExchange): Promise<{ ok: false; failure: AttemptFailure }> {
  let body: Uint8Array;
  try {
    body = await ex.readAll(ERROR_BODY_LIMIT);
  } catch {
    body = new Uint8Array(0);
  }
  const error = a.deployment.provider.adapter.parseError(ex.status, ex.headers, body);
  const source = a.key.material.tokenSource;
  if (source && ex.status === 401) {
    // Revoked or expired early: the next attempt (or request) mints a new token.
    source.invalidate(target.apiKey);
    return failure({ kind: 'provider', error, renewable: true });
  }
  return failure({ kind: 'provider', error });
}

function build<T>(fn: () => T): T | { ok: false; failure: AttemptFailure } {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ProviderFailure) return failure({ kind: 'unsupported', error: err.error });
    throw err;
  }
}

/** A 2xx body the adapter could not read: the upstream's fault (502), whatever the parser threw. */
const badResponse = (f: AttemptFailure) => failure({ kind: 'provider', error: { status: 502, kind: 'bad_response', message: f.error.message } });

const isFailure = (x: unknown): x is { ok: false; failure: AttemptFailure } => typeof x === 'object' && x !== null && (x as { ok?: unknown }).ok === false;

export interface ChatJson {
  readonly kind: 'json';
  readonly parsed: ParsedChat;
}

/** A stream committed to: its first chunk arrived (or it ended); the rest is relayed to the client. */
export interface ChatStream {
  readonly kind: 'stream';
  readonly upstream: UpstreamExchange;
  readonly translator: StreamTranslator;
  /** Steps read before the commit (the first one carries the first chunk). */
  readonly steps: readonly StreamStep[];
  /** True when the upstream body already ended. */
  readonly ended: boolean;
  readonly firstTokenMs: number;
}

/** One chat attempt: build, send, and either parse the JSON or wait for the first streamed chunk. */
export async function chatAttempt(a: Attempt, request: ChatRequest, traceparent?: string): Promise<AttemptResult<ChatJson | ChatStream>> {
  const adapter = a.deployment.provider.adapter;
  const target = a.key.material.tokenSource ? await targetOf(a) : a.target;
  if (isFailure(target)) return target;
  const exchange: ChatExchange = { request, target };
  const call = build(() => adapter.chat.buildRequest(exchange));
  if (isFailure(call)) return call;
  const ex = dispatch(a, call, traceparent);
  try {
    await ex.head;
  } catch (err) {
    return transportFailure(a, err);
  }
  if (ex.status >= 300) return providerError(a, target, ex);
  if (!call.stream) {
    let body: Buffer;
    try {
      body = await ex.readAll();
    } catch (err) {
      return transportFailure(a, err);
    }
    const parsed = build(() => adapter.chat.parseResponse(exchange, body, ex.headers));
    if (isFailure(parsed)) return badResponse(parsed.failure);
    return { ok: true, value: { kind: 'json', parsed } };
  }
  a.scope.armFirstToken(a.model.routing.firstTokenMs);
  const translator = adapter.chat.createStreamTranslator(exchange);
  const steps: StreamStep[] = [];
  for (;;) {
    let chunk: Buffer | null;
    try {
      chunk = await ex.next();
    } catch (err) {
      return transportFailure(a, err);
    }
    const step = chunk === null ? translator.end() : translator.push(chunk);
    if (step.error && !steps.some((s) => s.chunks.length > 0) && step.chunks.length === 0) {
      ex.abort(new TransportError('reset', 'stream failed before its first chunk'));
      return failure({ kind: 'provider', error: step.error });
    }
    steps.push(step);
    if (step.chunks.length > 0 || step.done || chunk === null) {
      a.scope.firstToken();
      return { ok: true, value: { kind: 'stream', upstream: ex, translator, steps, ended: chunk === null || step.done, firstTokenMs: now() - a.startedAt } };
    }
  }
}

export async function embeddingsAttempt(a: Attempt, request: EmbeddingsRequest, traceparent?: string): Promise<AttemptResult<ParsedEmbeddings>> {
  const codec = a.deployment.provider.adapter.embeddings;
  if (!codec) return failure({ kind: 'unsupported', error: { status: 400, kind: 'invalid_request', message: `provider type ${a.deployment.provider.type} has no embeddings API` } });
  const target = a.key.material.tokenSource ? await targetOf(a) : a.target;
  if (isFailure(target)) return target;
  const exchange = { request, target };
  const call = build(() => codec.buildRequest(exchange));
  if (isFailure(call)) return call;
  const ex = dispatch(a, call, traceparent);
  try {
    await ex.head;
  } catch (err) {
    return transportFailure(a, err);
  }
  if (ex.status >= 300) return providerError(a, target, ex);
  let body: Buffer;
  try {
    body = await ex.readAll();
  } catch (err) {
    return transportFailure(a, err);
  }
  const parsed = build(() => codec.parseResponse(exchange, body, ex.headers));
  if (isFailure(parsed)) return badResponse(parsed.failure);
  return { ok: true, value: parsed };
}

/** Latest cumulative usage among steps (snapshots replace each other). */
export function lastUsage(steps: readonly StreamStep[], prev?: Usage): Usage | undefined {
  let u = prev;
  for (const s of steps) if (s.usage) u = s.usage;
  return u;
}
