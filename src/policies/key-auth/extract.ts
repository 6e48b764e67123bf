import type { RequestContext } from '../../core/context.js';
import { schemeCredentials, stripQuery } from '../_auth/token.js';

export interface KeySources {
  readonly headers: readonly string[];
  /** `header <name>` for each of `headers`: where a key was found, named once per config. */
  readonly headerSources: readonly string[];
  readonly bearer: boolean;
  readonly query: readonly string[];
  readonly bodyField: string | undefined;
  readonly bodyLimit: number;
}

/** A parsed body that carried the key, kept so the key can be removed from it without parsing again. */
type ParsedBody = { readonly json: Record<string, unknown> } | { readonly form: URLSearchParams };

export type Found =
  | { readonly kind: 'key'; readonly key: string; readonly source: string; readonly body?: ParsedBody }
  | { readonly kind: 'ambiguous'; readonly source: string };

/** The key from the headers, the Authorization header or the query (in this order); no body. */
export function findKey(ctx: RequestContext, s: KeySources): Found | undefined {
  const names = s.headers;
  for (let i = 0; i < names.length; i++) {
    const v = ctx.headers[names[i]!];
    if (v === undefined) continue;
    if (Array.isArray(v)) return { kind: 'ambiguous', source: s.headerSources[i]! };
    return { kind: 'key', key: v.trim(), source: s.headerSources[i]! };
  }
  if (s.bearer) {
    const t = schemeCredentials(ctx, 'Bearer');
    if (t !== undefined) return { kind: 'key', key: t, source: 'header authorization (Bearer)' };
  }
  if (s.query.length > 0 && ctx.rawQuery) {
    for (const name of s.query) {
      const all = ctx.query.getAll(name);
      if (all.length > 1) return { kind: 'ambiguous', source: `query ${name}` };
      if (all.length === 1) return { kind: 'key', key: all[0]!, source: `query ${name}` };
    }
  }
  return undefined;
}

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\b/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\b/i;

/** Reads a JSON or form body (bounded) for the configured field. */
export async function findKeyInBody(ctx: RequestContext, s: KeySources): Promise<Found | undefined> {
  const field = s.bodyField;
  if (!field || !ctx.hasBody) return undefined;
  const type = ctx.header('content-type') ?? '';
  const json = JSON_TYPE.test(type);
  if (!json && !FORM_TYPE.test(type)) return undefined;
  if (ctx.contentLength !== undefined && ctx.contentLength > s.bodyLimit) return undefined;
  const text = Buffer.from(await ctx.readBody(s.bodyLimit)).toString('utf8');
  if (json) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
    const v = (body as Record<string, unknown>)[field];
    return typeof v === 'string' ? { kind: 'key', key: v, source: `body field ${field}`, body: { json: body as Record<string, unknown> } } : undefined;
  }
  const form = new URLSearchParams(text);
  const all = form.getAll(field);
  if (all.length > 1) return { kind: 'ambiguous', source: `body field ${field}` };
  return all.length === 1 ? { kind: 'key', key: all[0]!, source: `body field ${field}`, body: { form } } : undefined;
}

/** Removes every configured key location from what is forwarded (`strip_credential`). */
export function stripKey(ctx: RequestContext, s: KeySources, found: Found): void {
  for (const name of s.headers) if (ctx.headers[name] !== undefined) ctx.upstream.removeHeader(name);
  if (found.source === 'header authorization (Bearer)') ctx.upstream.removeHeader('authorization');
  if (s.query.length > 0) stripQuery(ctx, s.query);
  if (found.kind === 'key' && found.body) {
    const field = s.bodyField!;
    if ('json' in found.body) {
      const rest = Object.fromEntries(Object.entries(found.body.json).filter(([k]) => k !== field));
      ctx.upstream.setBody(Buffer.from(JSON.stringify(rest)));
    } else {
      const form = new URLSearchParams(found.body.form);
      form.delete(field);
      ctx.upstream.setBody(Buffer.from(form.toString()));
    }
  }
}
