import { hash } from 'node:crypto';
import type { RequestContext } from '../../core/context.js';
import { definePolicy, deny, type Decision } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { challenge } from '../_auth/challenge.js';
import { accept, acceptance, compileAuthBase, noCredential, SHARED_AUTH_REASONS, type AuthBase } from '../_auth/outcome.js';
import { KEY_SYNTAX } from './credential.js';
import { findKey, findKeyInBody, stripKey, type Found, type KeySources } from './extract.js';
import { KeyAuthCredentialSchema, KeyAuthSchema, type KeyAuthConfig } from './schema.js';
import { buildKeyTable, type KeyEntry } from './table.js';

export { generateKey, hashKey, rotateKey } from './credential.js';

export const reasons = defineReasons([
  { code: 'auth.key_missing', status: 401, title: 'API key missing', description: 'The request carries no API key where the key-auth policy looks for one (by default the `X-Api-Key` header or `Authorization: Bearer`). The `WWW-Authenticate` header names the scheme.' },
  { code: 'auth.key_malformed', status: 401, title: 'API key malformed', description: 'Something was sent where a key is expected, but it cannot be a key: not 8-512 visible ASCII characters, or given twice (two headers, a repeated query parameter).' },
  { code: 'auth.key_unknown', status: 401, title: 'API key unknown', description: 'No consumer has this key (it was never issued, was deleted, or is mistyped). The trace says where the key was found; the key itself is never logged.' },
  { code: 'auth.key_expired', status: 401, title: 'API key expired', description: 'The key has passed its `expires_at`, or it is the previous key of a rotation whose overlap (`previous_expires_at`) is over. The detail says when.' },
  { code: 'auth.key_disabled', status: 401, title: 'API key disabled', description: 'The key is known but its credential is `disabled: true`.' },
  ...SHARED_AUTH_REASONS,
]);

function sources(c: KeyAuthConfig): KeySources {
  const headers = (c.headers ?? ['x-api-key']).map((h) => h.toLowerCase());
  return {
    headers,
    headerSources: headers.map((h) => `header ${h}`),
    bearer: c.bearer ?? true,
    query: c.query ?? [],
    bodyField: c.body_field,
    bodyLimit: c.body_limit ?? 1_048_576,
  };
}

function describeSources(s: KeySources): string {
  const where = [...s.headers.map((h) => `the ${h} header`), ...(s.bearer ? ['Authorization: Bearer'] : []), ...s.query.map((q) => `the ${q} query parameter`)];
  if (s.bodyField) where.push(`the ${s.bodyField} body field`);
  return where.length > 1 ? `${where.slice(0, -1).join(', ')} or ${where.at(-1)!}` : where.join('');
}

function decideKey(ctx: RequestContext, found: Found, table: ReadonlyMap<string, KeyEntry>, base: AuthBase, s: KeySources, strip: boolean): Decision {
  if (strip) stripKey(ctx, s, found);
  const source = found.source;
  const headers = () => ({ 'www-authenticate': base.challenge });
  if (found.kind === 'ambiguous') {
    return deny('auth.key_malformed', `The API key in ${source} is given more than once.`, { headers: headers(), data: { source } });
  }
  if (!KEY_SYNTAX.test(found.key)) {
    return deny('auth.key_malformed', `The API key in ${source} is malformed: a key is 8 to 512 visible ASCII characters.`, { headers: headers(), data: { source, length: found.key.length } });
  }
  // One-shot hash: a third of createHash's cost (no Hash object per request).
  const entry = table.get(hash('sha256', found.key, 'hex'));
  if (!entry) return deny('auth.key_unknown', `The API key in ${source} is not valid.`, { headers: headers(), data: { source } });
  if (entry.disabled) return deny('auth.key_disabled', 'The API key is disabled.', { headers: headers(), data: facts(entry, source) });
  if (entry.expiresAt !== Infinity && Date.now() >= entry.expiresAt) {
    const at = new Date(entry.expiresAt).toISOString();
    const detail = entry.previous ? `The API key was replaced; the old key stopped working at ${at}.` : `The API key expired at ${at}.`;
    return deny('auth.key_expired', detail, { headers: headers(), data: { ...facts(entry, source), expired_at: at } });
  }
  // The allow decision of a key depends only on the key and where it was found: built once per
  // config version and location (a handful), not per request.
  let allow = entry.accepted.get(source);
  if (!allow) {
    allow = Object.freeze(acceptance(base, entry.consumer, entry.credential, facts(entry, source)));
    entry.accepted.set(source, allow);
  }
  return accept(ctx, base, entry.consumer, entry.credential, allow);
}

function facts(entry: KeyEntry, source: string): Record<string, unknown> {
  return { source, credential: entry.credential.id, consumer: entry.consumer.id, ...(entry.hint ? { hint: entry.hint } : {}), ...(entry.previous ? { rotated: true } : {}) };
}

/**
 * API keys from a header, `Authorization: Bearer`, a query parameter or (opt-in) a body field.
 * Keys are stored as SHA-256 hashes; a request costs one hash and one Map lookup.
 */
export const keyAuth = definePolicy<KeyAuthConfig>({
  name: 'key-auth',
  phase: 'authenticate',
  priority: 10,
  summary: 'Authenticate consumers by API key (header, Bearer, query or body field); keys stored hashed (401).',
  schema: KeyAuthSchema,
  reasons,
  credential: { type: 'key-auth', schema: KeyAuthCredentialSchema },
  compile(config, ctx) {
    const s = sources(config);
    if (s.headers.length === 0 && !s.bearer && s.query.length === 0 && !s.bodyField) ctx.fail('', 'the key can be found nowhere: set headers, bearer, query or body_field');
    const table = buildKeyTable(ctx);
    const base = compileAuthBase('key-auth', config, challenge('Key', { realm: config.realm ?? 'sluice' }), ctx);
    const strip = config.strip_credential ?? true;
    const missingDetail = `No API key was sent. Send it in ${describeSources(s)}.`;
    return {
      evaluate(req) {
        const found = findKey(req, s);
        if (found) return decideKey(req, found, table, base, s, strip);
        if (!s.bodyField) return noCredential(req, base, 'auth.key_missing', missingDetail);
        return findKeyInBody(req, s).then((inBody) =>
          inBody ? decideKey(req, inBody, table, base, s, strip) : noCredential(req, base, 'auth.key_missing', missingDetail),
        );
      },
    };
  },
});

export default keyAuth;
