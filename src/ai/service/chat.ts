import { now } from '../../core/clock.js';
import type { ChatRequest, Usage } from '../../core/llm/types.js';
import type { ExchangeResult, ServiceExchange } from '../../core/service-kind.js';
import { countTokens, estimatePromptTokens } from '../accounting/estimate.js';
import { servedAnnotation, type AiAnnotation, type AnnotationBase } from '../accounting/record.js';
import type { ChatDialect } from '../dialects/contract.js';
import { route, type Attempt } from '../routing/router.js';
import { chatAttempt, type ChatStream } from './attempt.js';
import { readJson } from './body.js';
import { callerMay, findModel, type ServiceContext } from './context.js';
import { OutputText, relay } from './relay.js';
import { failDialect, failRoute, modelNotFound, sendJson, servedBy } from './respond.js';

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } as const;

/** POST /v1/chat/completions (OpenAI dialect) and POST /v1/messages (Anthropic dialect), to any provider. */
export async function serveChat(sc: ServiceContext, ex: ServiceExchange, dialect: ChatDialect, api: 'chat' | 'messages'): Promise<ExchangeResult> {
  const startedAt = now();
  const body = await readJson(ex, sc.maxBody);
  if (!body.ok) return body.result;
  const parsed = dialect.parseChatRequest(body.value);
  if (!parsed.ok) return failDialect(ex, parsed.error);
  const req = parsed.value;
  const may = (n: string) => callerMay(ex, n);
  const model = findModel(sc, req.model);
  if (!model || model.type !== 'chat' || !may(req.model)) {
    ex.ctx.annotate('ai', { api, requested_model: req.model, attempts: 0, error: 'model.not_found' } satisfies AiAnnotation);
    return modelNotFound(ex, sc, req.model, may, 'chat');
  }
  const ctl = { trace: ex.ctx.trace, requestId: ex.ctx.id, signal: ex.signal, startedAt, runtime: sc.runtime };
  const r = await route(model, ctl, (a) => chatAttempt(a, req, ex.traceparent));
  if (!r.ok) {
    ex.ctx.annotate('ai', { api, requested_model: req.model, model: model.name, attempts: r.attempts, stream: req.stream, error: r.code, ...(r.last ? { provider: r.last.deployment.provider.id, upstream_model: r.last.deployment.providerModel } : {}) } satisfies AiAnnotation);
    return failRoute(ex, r);
  }
  const a = r.attempt;
  const headers = servedBy(a, r.attempts, model.name, api === 'messages', ex.ctx.id);
  const base: AnnotationBase = { api, requested_model: req.model, model: a.model.name, provider: a.deployment.provider.id, upstream_model: a.deployment.providerModel, key: a.key.id, attempts: r.attempts, stream: req.stream };
  if (r.value.kind === 'json') {
    a.scope.dispose();
    const { response, usage } = r.value.parsed;
    const text = JSON.stringify(dialect.encodeResponse(response));
    ex.ctx.annotate('ai', servedAnnotation(base, usage, a.deployment.facts, 'provider', { finish_reason: response.choices[0]?.finishReason }));
    sendJson(ex, headers, text);
    return { status: 200, answeredBy: 'upstream' };
  }
  // servedBy's object is ours: extended in place (a spread into a fresh one came with allocations that
  // outlived young-generation collections, see servedAnnotation).
  return streamChat(sc, ex, dialect, req, a, r.value, Object.assign(headers, SSE_HEADERS), base);
}

async function streamChat(
  sc: ServiceContext,
  ex: ServiceExchange,
  dialect: ChatDialect,
  req: ChatRequest,
  a: Attempt,
  s: ChatStream,
  headers: Record<string, string>,
  base: AnnotationBase,
): Promise<ExchangeResult> {
  const out = new OutputText();
  const w = ex.respond(200, headers);
  const encoder = dialect.createStreamEncoder({ includeUsage: req.streamUsage === true, requestId: ex.ctx.id });
  // A complete stream without provider usage still ends with usage for a client that shows it (a local
  // count, awaited before the last frame); a client that does not gets its last frame at once.
  let estimated: Awaited<ReturnType<typeof finalUsage>> | undefined;
  const estimate = sc.estimateUsage && req.streamUsage === true ? async () => (estimated = await finalUsage(sc, req, undefined, false, out)).usage : undefined;
  let outcome;
  try {
    outcome = await relay(s, a.scope, encoder, w, out, estimate);
  } finally {
    a.scope.dispose();
  }
  const { usage, source } = estimated ?? (await finalUsage(sc, req, outcome.usage, outcome.complete, out));
  ex.ctx.annotate(
    'ai',
    servedAnnotation(base, usage, a.deployment.facts, source, {
      first_token_ms: Math.round(s.firstTokenMs * 100) / 100,
      finish_reason: outcome.finishReason,
      error: outcome.error ? 'ai.stream_failed' : outcome.clientClosed ? 'request.client_closed' : undefined,
    }),
  );
  if (outcome.error) {
    ex.ctx.trace.add({ step: 'upstream', phase: 'upstream', outcome: 'error', code: 'ai.stream_failed', detail: `${a.deployment.label} failed after the response started: ${outcome.error.message}`, data: { provider: a.deployment.provider.id, status: outcome.error.status, kind: outcome.error.kind, chunks: outcome.chunks }, ms: 0 });
    return { status: 200, answeredBy: 'upstream', code: 'ai.stream_failed' };
  }
  if (outcome.clientClosed) {
    ex.ctx.trace.add({ step: 'upstream', phase: 'upstream', outcome: 'skip', code: 'request.client_closed', detail: `client closed the stream after ${outcome.chunks} chunks; upstream request aborted`, data: { provider: a.deployment.provider.id }, ms: 0 });
    return { status: 499, answeredBy: 'gateway', code: 'request.client_closed' };
  }
  return { status: 200, answeredBy: 'upstream' };
}

/** The provider's usage when the stream completed with it; otherwise local counts (never lost). */
async function finalUsage(sc: ServiceContext, req: ChatRequest, u: Usage | undefined, complete: boolean, out: OutputText): Promise<{ usage: Usage | undefined; source: AiAnnotation['usage_source'] }> {
  if (u && complete) return { usage: u, source: 'provider' };
  if (!sc.estimateUsage) return { usage: u, source: u ? 'partial' : undefined };
  // Both counts are asked in the same turn, so they travel to the token counter in one message.
  const [input, produced] = await Promise.all([u?.inputTokens || estimatePromptTokens(req), countTokens(out.text())]);
  const output = Math.max(u?.outputTokens ?? 0, produced);
  return { usage: { ...u, inputTokens: input, outputTokens: output, totalTokens: input + output }, source: u ? 'partial' : 'estimated' };
}
