import type { ExchangeResult, ServiceExchange } from '../../core/service-kind.js';
import type { DialectError } from '../dialects/contract.js';
import { fieldErrors, paramToPointer } from '../dialects/shared/fields.js';
import type { Attempt, RouteResult } from '../routing/router.js';
import type { ServiceContext } from './context.js';

/** Headers saying who served the request (cheap: a few string concatenations). */
export function servedBy(a: Attempt, attempts: number, requested: string, anthropic: boolean, requestId: string): Record<string, string> {
  const h: Record<string, string> = {
    'x-sluice-provider': a.deployment.provider.id,
    'x-sluice-model': a.deployment.providerModel,
    'x-sluice-attempts': String(attempts),
  };
  if (a.model.name !== requested) h['x-sluice-fallback'] = a.model.name;
  if (anthropic) h['request-id'] = requestId;
  return h;
}

/**
 * A 200 with a whole JSON body and its Content-Length (a known size is not sent chunked, as OpenAI
 * and Anthropic do not: clients and proxies that size their reads by it get one).
 */
export function sendJson(ex: ServiceExchange, headers: Record<string, string>, text: string): void {
  ex.respond(200, { 'content-type': 'application/json', ...headers, 'content-length': String(Buffer.byteLength(text)) }).end(text);
}

/** A failed route, in the route's error dialect, with Retry-After when the router knows one. */
export function failRoute(ex: ServiceExchange, r: Extract<RouteResult<unknown>, { ok: false }>): ExchangeResult {
  if (r.clientClosed) return { status: 499, answeredBy: 'gateway', code: 'request.client_closed' };
  const headers: Record<string, string> = { 'x-sluice-attempts': String(r.attempts) };
  if (r.last) headers['x-sluice-provider'] = r.last.deployment.provider.id;
  if (r.retryAfterMs !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(r.retryAfterMs / 1000)));
  const errors = r.param ? [{ in: 'body', pointer: paramToPointer(r.param), message: r.detail }] : undefined;
  return ex.fail(r.code, r.detail, { status: r.status, headers, errors });
}

export function failDialect(ex: ServiceExchange, e: DialectError): ExchangeResult {
  const detail = e.param && !e.message.includes(e.param) ? `${e.message} (param: ${e.param})` : e.message;
  return ex.fail('ai.invalid_request', detail, { ...(e.status !== 400 ? { status: e.status } : {}), errors: fieldErrors(e) });
}

/** 404 for a name this caller cannot use here; suggests close names the caller may use. */
export function modelNotFound(ex: ServiceExchange, sc: ServiceContext, name: string, may: (n: string) => boolean, type: 'chat' | 'embedding'): ExchangeResult {
  const known = sc.ai.byName.get(name);
  if (known && sc.exposes(name) && known.type !== type) {
    return ex.fail('ai.invalid_request', `Model ${JSON.stringify(name)} is ${known.type === 'embedding' ? 'an embedding' : 'a chat'} model; it is not served on this endpoint.`);
  }
  const close = [...sc.ai.byName.keys()].filter((n) => sc.exposes(n) && may(n) && sc.ai.byName.get(n)!.type === type && similar(n, name)).slice(0, 3);
  const hint = close.length ? ` Did you mean ${close.map((n) => JSON.stringify(n)).join(' or ')}?` : '';
  return ex.fail('model.not_found', `The model ${JSON.stringify(name)} does not exist or is not available here.${hint} GET /v1/models lists the models you may use.`);
}

function similar(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.includes(y) || y.includes(x) || (x.length > 3 && y.startsWith(x.slice(0, 4)));
}
