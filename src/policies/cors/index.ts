import type { RequestContext } from '../../core/context.js';
import { allow, definePolicy, deny, respond, skip, type Decision, type ResponseInfo } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { isSameOrigin, OriginMatcher, type OriginMatch } from './origins.js';
import { CorsSchema, type CorsConfig } from './schema.js';

export const reasons = defineReasons([
  { code: 'cors.origin_not_allowed', status: 403, title: 'Origin not allowed', description: 'The request (or its preflight) comes from a page whose Origin is not among the cors policy\'s `origins` / `origin_patterns`. The detail and the trace name the origin.' },
  { code: 'cors.method_not_allowed', status: 403, title: 'CORS method not allowed', description: 'A preflight asks for a method (Access-Control-Request-Method) that is not in the cors policy\'s `methods` (GET, HEAD and POST are always allowed, as in the Fetch standard).' },
  { code: 'cors.header_not_allowed', status: 403, title: 'CORS request header not allowed', description: 'A preflight asks for request headers (Access-Control-Request-Headers) that are not in the cors policy\'s `headers`. The detail names them.' },
  { code: 'cors.preflight', status: 204, title: 'CORS preflight answered', description: 'Not an error: the cors policy answered a preflight (OPTIONS with Origin and Access-Control-Request-Method) itself with 204 and the Access-Control-Allow-* headers; nothing was forwarded.' },
]);

/** Methods a preflight never needs permission for (Fetch: CORS-safelisted methods). */
const SAFELISTED_METHODS = new Set(['GET', 'HEAD', 'POST']);
const SHOWN = 200;

const shown = (s: string) => (s.length > SHOWN ? `${s.slice(0, SHOWN)}…` : s);
const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s.length > 0) : []);
const matchData = (m: OriginMatch) => ('entry' in m ? { matched: m.by, entry: m.entry } : { matched: m.by });

/** Adds `token` to a Vary value unless it (or `*`) is already there. */
function vary(existing: string | string[] | number | undefined, token: string): string {
  const cur = Array.isArray(existing) ? existing.join(', ') : existing === undefined ? '' : String(existing);
  const have = list(cur);
  if (have.includes('*') || have.includes(token.toLowerCase())) return cur;
  return cur ? `${cur}, ${token}` : token;
}

/**
 * Cross-origin resource sharing at the gateway (phase `guard`, first): answers preflights itself,
 * refuses disallowed origins with 403, and adds the CORS headers to every answer, denials included,
 * so that a page can read why it was refused.
 */
export const cors = definePolicy<CorsConfig>({
  name: 'cors',
  phase: 'guard',
  priority: 5,
  summary: 'CORS: answer preflights at the gateway (204), refuse disallowed origins (403), add CORS headers to every answer.',
  schema: CorsSchema,
  reasons,
  compile(config, ctx) {
    const origins = new OriginMatcher(config.origins, config.origin_patterns ?? [], ctx);
    const credentials = config.credentials ?? false;
    if (credentials && origins.any) ctx.fail('origins', '"*" cannot be combined with credentials: true (browsers refuse it); list the origins');
    const exposed = config.exposed_headers ?? [];
    if (credentials && exposed.includes('*')) ctx.fail('exposed_headers', '"*" is a literal header name when credentials: true; list the headers');
    const methods = config.methods ?? ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'];
    const methodSet = new Set<string>(methods);
    const allowMethods = methods.join(', ');
    const mirrorHeaders = config.headers === undefined || config.headers.includes('*');
    const headerSet = new Set((config.headers ?? []).map((h) => h.toLowerCase()));
    const allowHeaders = (config.headers ?? []).join(', ');
    const exposeHeaders = exposed.join(', ');
    const maxAge = config.max_age !== undefined ? String(config.max_age) : undefined;
    const preflightContinue = config.preflight_continue ?? false;
    const privateNetwork = config.private_network ?? false;
    // With `*` and no credentials the answer does not depend on the Origin: a shared cache may keep it.
    const allowOrigin = (origin: string, m: OriginMatch) => (m.by === 'any' && !credentials ? '*' : origin);

    function preflight(req: RequestContext, origin: string, m: OriginMatch): Decision {
      const method = (req.header('access-control-request-method') ?? '').trim();
      const requested = list(req.header('access-control-request-headers'));
      const facts = { origin: shown(origin), ...matchData(m), preflight: true, method, headers: requested };
      if (preflightContinue) return allow('preflight forwarded upstream (preflight_continue)', facts);
      if (!methodSet.has(method) && !SAFELISTED_METHODS.has(method)) {
        return deny('cors.method_not_allowed', `Method ${shown(method) || '(none)'} is not allowed for cross-origin requests; allowed: ${allowMethods}.`, { data: { ...facts, allowed: methods } });
      }
      const refused = mirrorHeaders ? [] : requested.filter((h) => !headerSet.has(h));
      if (refused.length > 0) {
        return deny('cors.header_not_allowed', `Request header${refused.length > 1 ? 's' : ''} ${refused.join(', ')} not allowed for cross-origin requests.`, { data: { ...facts, refused, allowed: [...headerSet] } });
      }
      const headers: Record<string, string> = { 'access-control-allow-origin': allowOrigin(origin, m), 'access-control-allow-methods': allowMethods };
      const varyOn = ['Access-Control-Request-Method'];
      if (mirrorHeaders) {
        if (requested.length > 0) headers['access-control-allow-headers'] = requested.join(', ');
        varyOn.push('Access-Control-Request-Headers');
      } else if (allowHeaders) headers['access-control-allow-headers'] = allowHeaders;
      if (credentials) headers['access-control-allow-credentials'] = 'true';
      if (maxAge !== undefined) headers['access-control-max-age'] = maxAge;
      if (privateNetwork && req.header('access-control-request-private-network') === 'true') headers['access-control-allow-private-network'] = 'true';
      headers['vary'] = (headers['access-control-allow-origin'] === '*' ? varyOn : ['Origin', ...varyOn]).join(', ');
      return respond('cors.preflight', `preflight from ${shown(origin)} for ${method} answered`, { headers, data: facts });
    }

    return {
      answersPreflight: !preflightContinue,
      evaluate(req) {
        const origin = req.header('origin');
        if (origin === undefined) return skip('no Origin header: not a cross-origin request');
        if (isSameOrigin(origin, req.host)) return skip('same-origin request (Origin matches Host)', { origin: shown(origin) });
        const m = origins.match(origin);
        const isPreflight = req.method === 'OPTIONS' && req.header('access-control-request-method') !== undefined;
        if (!m) {
          return deny('cors.origin_not_allowed', `Origin ${shown(origin)} is not allowed.`, { data: { origin: shown(origin), preflight: isPreflight } });
        }
        if (isPreflight) return preflight(req, origin, m);
        return allow(undefined, { origin: shown(origin), ...matchData(m) });
      },

      onResponse(req, res: ResponseInfo) {
        if (res.code === 'cors.preflight') return; // its headers are part of the answer
        const origin = req.header('origin');
        if (origin === undefined || isSameOrigin(origin, req.host)) return;
        const m = origins.match(origin);
        if (!m) return;
        const value = allowOrigin(origin, m);
        res.setHeader('access-control-allow-origin', value);
        if (credentials) res.setHeader('access-control-allow-credentials', 'true');
        if (exposeHeaders) res.setHeader('access-control-expose-headers', exposeHeaders);
        if (value !== '*') res.setHeader('vary', vary(res.headers['vary'], 'Origin'));
      },
    };
  },
});

export default cors;
