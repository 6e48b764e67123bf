import type { ExchangeResult, ServiceExchange } from '../../core/service-kind.js';
import type { CompiledModel } from '../config/compile.js';
import { callerMay, type ServiceContext } from './context.js';
import { sendJson } from './respond.js';

/** Names (models and aliases) this caller may use on this service, in config order. */
export function visibleModels(sc: ServiceContext, ex: ServiceExchange): { name: string; model: CompiledModel }[] {
  const out: { name: string; model: CompiledModel }[] = [];
  for (const [name, model] of sc.ai.byName) {
    if (model.hidden && name === model.name) continue;
    if (sc.exposes(name) && callerMay(ex, name)) out.push({ name, model });
  }
  return out;
}

const owner = (m: CompiledModel) => m.deployments[0]?.provider.type ?? 'sluice';

/**
 * GET /v1/models and GET /v1/models/{id}: only what the caller may use. The Anthropic SDK (it sends
 * `anthropic-version`) gets Anthropic's list shape, everyone else OpenAI's.
 */
export function serveModels(sc: ServiceContext, ex: ServiceExchange, id: string | undefined): ExchangeResult {
  const anthropic = ex.ctx.header('anthropic-version') !== undefined;
  const visible = visibleModels(sc, ex);
  const created = sc.created;
  const createdAt = new Date(created * 1000).toISOString();
  const openaiItem = (v: { name: string; model: CompiledModel }) => ({ id: v.name, object: 'model', created, owned_by: owner(v.model) });
  const anthropicItem = (v: { name: string }) => ({ type: 'model', id: v.name, display_name: v.name, created_at: createdAt });
  const headers: Record<string, string> = anthropic ? { 'request-id': ex.ctx.id } : {};
  if (id !== undefined) {
    const v = visible.find((x) => x.name === id);
    if (!v) return ex.fail('model.not_found', `The model ${JSON.stringify(id)} does not exist or is not available here. GET /v1/models lists the models you may use.`);
    sendJson(ex, headers, JSON.stringify(anthropic ? anthropicItem(v) : openaiItem(v)));
    return { status: 200, answeredBy: 'gateway' };
  }
  const body = anthropic
    ? { data: visible.map(anthropicItem), has_more: false, first_id: visible[0]?.name ?? null, last_id: visible[visible.length - 1]?.name ?? null }
    : { object: 'list', data: visible.map(openaiItem) };
  sendJson(ex, headers, JSON.stringify(body));
  ex.ctx.annotate('ai', { api: 'models', attempts: 0 });
  return { status: 200, answeredBy: 'gateway' };
}
