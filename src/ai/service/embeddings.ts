import { now } from '../../core/clock.js';
import type { ExchangeResult, ServiceExchange } from '../../core/service-kind.js';
import { estimateEmbeddingTokens } from '../accounting/estimate.js';
import { servedAnnotation, type AiAnnotation } from '../accounting/record.js';
import { route } from '../routing/router.js';
import { embeddingsAttempt } from './attempt.js';
import { readJson } from './body.js';
import { callerMay, findModel, type ServiceContext } from './context.js';
import { failDialect, failRoute, modelNotFound, sendJson, servedBy } from './respond.js';

/** POST /v1/embeddings (OpenAI dialect), to any provider with an embeddings API. */
export async function serveEmbeddings(sc: ServiceContext, ex: ServiceExchange): Promise<ExchangeResult> {
  const startedAt = now();
  const body = await readJson(ex, sc.maxBody);
  if (!body.ok) return body.result;
  const dialect = sc.translation.openai;
  const parsed = dialect.parseEmbeddingsRequest(body.value);
  if (!parsed.ok) return failDialect(ex, parsed.error);
  const req = parsed.value;
  const may = (n: string) => callerMay(ex, n);
  const model = findModel(sc, req.model);
  if (!model || model.type !== 'embedding' || !may(req.model)) {
    ex.ctx.annotate('ai', { api: 'embeddings', requested_model: req.model, attempts: 0, error: 'model.not_found' } satisfies AiAnnotation);
    return modelNotFound(ex, sc, req.model, may, 'embedding');
  }
  const r = await route(model, { trace: ex.ctx.trace, requestId: ex.ctx.id, signal: ex.signal, startedAt, runtime: sc.runtime }, (a) => embeddingsAttempt(a, req, ex.traceparent));
  if (!r.ok) {
    ex.ctx.annotate('ai', { api: 'embeddings', requested_model: req.model, model: model.name, attempts: r.attempts, error: r.code } satisfies AiAnnotation);
    return failRoute(ex, r);
  }
  const a = r.attempt;
  a.scope.dispose();
  let usage = r.value.usage;
  let source: AiAnnotation['usage_source'] = 'provider';
  if (usage.inputTokens === 0 && sc.estimateUsage) {
    const n = await estimateEmbeddingTokens(req);
    usage = { ...usage, inputTokens: n, totalTokens: n };
    source = 'estimated';
  }
  const base = { api: 'embeddings', requested_model: req.model, model: a.model.name, provider: a.deployment.provider.id, upstream_model: a.deployment.providerModel, key: a.key.id, attempts: r.attempts } as const;
  ex.ctx.annotate('ai', servedAnnotation(base, usage, a.deployment.facts, source));
  const text = JSON.stringify(dialect.encodeEmbeddingsResponse(r.value.response));
  sendJson(ex, servedBy(a, r.attempts, model.name, false, ex.ctx.id), text);
  return { status: 200, answeredBy: 'upstream' };
}
