import type { RequestContext } from '../../core/context.js';

/** Per-request record of what earlier auth policies left of the query and cookies sent upstream. */
const QUERY_KEY = 'auth:upstream-query';
const COOKIE_KEY = 'auth:upstream-cookie';

/** RFC 6750 b64token / RFC 9110 token68. */
export const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The credentials after `<scheme> ` in the Authorization header: `undefined` when the header is
 * absent or uses another scheme (that credential is some other policy's business).
 */
export function schemeCredentials(ctx: RequestContext, scheme: string): string | undefined {
  const h = ctx.header('authorization');
  if (h === undefined) return undefined;
  const s = h.trimStart();
  if (s.length <= scheme.length || s[scheme.length] !== ' ' || s.slice(0, scheme.length).toLowerCase() !== scheme.toLowerCase()) return undefined;
  return s.slice(scheme.length + 1).trim();
}

/** The scheme of the Authorization header, for trace details ("Basic", "Bearer"…). */
export function authorizationScheme(ctx: RequestContext): string | undefined {
  const h = ctx.header('authorization');
  if (h === undefined) return undefined;
  return /^\s*(\S+)/.exec(h)?.[1];
}

/** A cookie value by name (first occurrence), without decoding beyond RFC 6265's DQUOTE form. */
export function cookieValue(ctx: RequestContext, name: string): string | undefined {
  const raw = ctx.header('cookie');
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    const v = part.slice(eq + 1).trim();
    return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
  }
  return undefined;
}

/** A bearer token from the configured places: Authorization header, a query parameter, a cookie. */
export interface TokenSources {
  /** Header carrying `Bearer <token>` (`authorization`), or another header carrying the bare token. */
  readonly header: string;
  readonly query?: string;
  readonly cookie?: string;
}

export interface FoundToken {
  readonly token: string;
  /** Where it was found, e.g. `header authorization`, for the trace. */
  readonly source: string;
}

export function findBearerToken(ctx: RequestContext, s: TokenSources): FoundToken | undefined {
  const header = s.header.toLowerCase();
  if (header === 'authorization') {
    const t = schemeCredentials(ctx, 'Bearer');
    if (t !== undefined) return { token: t, source: 'header authorization (Bearer)' };
  } else {
    const v = ctx.header(header);
    if (v !== undefined) {
      const t = v.trim();
      return { token: /^bearer /i.test(t) ? t.slice(7).trim() : t, source: `header ${header}` };
    }
  }
  if (s.query) {
    const v = ctx.query.get(s.query);
    if (v !== null) return { token: v, source: `query ${s.query}` };
  }
  if (s.cookie) {
    const v = cookieValue(ctx, s.cookie);
    if (v !== undefined) return { token: v, source: `cookie ${s.cookie}` };
  }
  return undefined;
}

/** Removes a found token from the upstream request (`strip_credential`). */
export function stripToken(ctx: RequestContext, found: FoundToken, s: TokenSources): void {
  if (found.source.startsWith('header ')) ctx.upstream.removeHeader(s.header);
  else if (found.source.startsWith('query ') && s.query) stripQuery(ctx, [s.query]);
  else if (found.source.startsWith('cookie ') && s.cookie) stripCookie(ctx, s.cookie);
}

/** Drops the named parameters from the query sent upstream, keeping the rest byte for byte. */
export function stripQuery(ctx: RequestContext, names: readonly string[]): void {
  // Several auth policies may strip: each continues from the query the previous one left.
  const current = (ctx.locals.get(QUERY_KEY) as string | undefined) ?? ctx.rawQuery;
  if (!current) return;
  const kept = current.split('&').filter((pair) => {
    const eq = pair.indexOf('=');
    const rawName = eq === -1 ? pair : pair.slice(0, eq);
    let name = rawName;
    try {
      name = decodeURIComponent(rawName.replace(/\+/g, ' '));
    } catch {
      /* keep the raw name */
    }
    return !names.includes(name);
  });
  const next = kept.join('&');
  ctx.locals.set(QUERY_KEY, next);
  ctx.upstream.setQuery(next);
}


function stripCookie(ctx: RequestContext, name: string): void {
  const raw = (ctx.locals.get(COOKIE_KEY) as string | undefined) ?? ctx.header('cookie');
  if (!raw) return;
  const kept = raw.split(';').map((p) => p.trim()).filter((p) => p !== '' && p.slice(0, Math.max(0, p.indexOf('='))).trim() !== name);
  const next = kept.join('; ');
  ctx.locals.set(COOKIE_KEY, next);
  if (kept.length === 0) ctx.upstream.removeHeader('cookie');
  else ctx.upstream.setHeader('cookie', next);
}
