import type { ConsumerIdentity, RequestContext } from '../../core/context.js';
import { parseDuration } from '../../core/duration.js';
import { definePolicy, deny, type CompileContext, type Decision } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { challenge } from '../_auth/challenge.js';
import { authenticated, compileAuthBase, noCredential, SHARED_AUTH_REASONS, unavailable } from '../_auth/outcome.js';
import { openSecret, SecretRefError } from '../_auth/secret-ref.js';
import { findBearerToken, stripToken, TOKEN68, type TokenSources } from '../_auth/token.js';
import { IntrospectionCache, tokenKey, type Introspected, type IntrospectionSettings } from './client.js';
import { OAuth2IntrospectionCredentialSchema, OAuth2IntrospectionSchema, type OAuth2IntrospectionConfig, type OAuth2IntrospectionCredential } from './schema.js';

export const reasons = defineReasons([
  { code: 'auth.introspection_missing', status: 401, title: 'Bearer token missing', description: 'The request carries no token where the oauth2-introspection policy looks (by default `Authorization: Bearer`). The challenge is `WWW-Authenticate: Bearer realm="…"`.' },
  { code: 'auth.introspection_malformed', status: 401, title: 'Token malformed', description: 'What was sent cannot be an OAuth 2.0 access token (not RFC 6750 `b64token` characters, or longer than 4096): it is refused without asking the authorization server.' },
  { code: 'auth.introspection_inactive', status: 401, title: 'Token not active', description: 'The authorization server answered `active: false` (unknown, revoked or expired token), or its `exp` has passed, or its `nbf` is in the future. The trace says which.' },
  { code: 'auth.introspection_claim_missing', status: 401, title: 'Introspection answer lacks the consumer claim', description: 'The token is active but the introspection answer has no `consumer_claim` member (default `client_id`), so the consumer cannot be identified.' },
  { code: 'auth.introspection_unknown_consumer', status: 401, title: 'Token holder is not a consumer', description: 'The token is active but its `consumer_claim` value matches no consumer\'s `oauth2-introspection` credential, and no `default_consumer` is configured.' },
  { code: 'auth.introspection_unavailable', status: 503, title: 'Token introspection unavailable', description: 'The introspection endpoint could not be reached, timed out, or did not answer with an RFC 7662 JSON object (e.g. it refused Sluice\'s client credentials), and no cached result exists. The policy fails closed; with `fail_open: true` the request continues unauthenticated (`auth.failed_open`). The trace has the error.' },
  ...SHARED_AUTH_REASONS,
]);

const ms = (v: string | number | undefined, dflt: number) => (v === undefined ? dflt : (parseDuration(v) ?? dflt));
const MAX_TOKEN = 4096;

function subjects(creds: readonly { id: string; consumer: ConsumerIdentity; fields: Readonly<Record<string, unknown>> }[], fail: (reason: string) => never): Map<string, { consumer: ConsumerIdentity; credentialId: string }> {
  const map = new Map<string, { consumer: ConsumerIdentity; credentialId: string }>();
  for (const rec of creds) {
    const f = rec.fields as Omit<OAuth2IntrospectionCredential, 'id' | 'type'>;
    const clash = map.get(f.subject);
    if (clash) fail(`oauth2-introspection credentials ${JSON.stringify(clash.credentialId)} and ${JSON.stringify(rec.id)} both map subject ${JSON.stringify(f.subject)}`);
    map.set(f.subject, { consumer: rec.consumer, credentialId: rec.id });
  }
  return map;
}

/** Opened once per config version; refuses the config (never showing the value) when it cannot be. */
function clientSecret(ref: string, ctx: CompileContext): string {
  try {
    return openSecret(ref);
  } catch (err) {
    return ctx.fail('client_secret', err instanceof SecretRefError ? err.message : 'cannot be opened');
  }
}

/** RFC 6749 §2.3.1: client id and secret are form-encoded before HTTP Basic. */
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/**
 * OAuth 2.0 token introspection (RFC 7662): opaque bearer tokens are checked with the authorization
 * server, results cached (bounded, never past `exp`), so the hot path is one hash and one Map lookup.
 */
export const oauth2Introspection = definePolicy<OAuth2IntrospectionConfig>({
  name: 'oauth2-introspection',
  phase: 'authenticate',
  priority: 35,
  summary: 'Authenticate consumers by opaque OAuth 2.0 tokens checked at an RFC 7662 introspection endpoint, with a bounded cache (401/503).',
  schema: OAuth2IntrospectionSchema,
  reasons,
  credential: { type: 'oauth2-introspection', schema: OAuth2IntrospectionCredentialSchema },
  compile(config, ctx) {
    const secret = clientSecret(config.client_secret, ctx);
    const post = config.client_auth === 'post';
    const settings: IntrospectionSettings = {
      endpoint: config.endpoint,
      headers: post ? {} : { authorization: basic(config.client_id, secret) },
      form: { token_type_hint: config.token_type_hint ?? 'access_token', ...(post ? { client_id: config.client_id, client_secret: secret } : {}) },
      timeoutMs: ms(config.timeout, 5_000),
      ttlMs: ms(config.cache_ttl, 60_000),
      negativeTtlMs: ms(config.negative_cache_ttl, 10_000),
      consumerClaim: config.consumer_claim ?? 'client_id',
      scopesClaim: config.scopes_claim ?? 'scope',
    };
    const max = config.cache_max_entries ?? 10_000;
    const cache = ctx.persistent(`introspection:${config.endpoint}\u0000${config.client_id}`, () => new IntrospectionCache(settings, max, ctx.http));
    cache.configure(settings, max);
    const bySubject = subjects(ctx.credentials('oauth2-introspection'), (reason) => ctx.fail('', reason));
    let fallback: ConsumerIdentity | undefined;
    if (config.default_consumer !== undefined) fallback = ctx.consumer(config.default_consumer) ?? ctx.fail('default_consumer', `no consumer with id ${JSON.stringify(config.default_consumer)}`);
    const sources: TokenSources = { header: config.header ?? 'authorization', query: config.query, cookie: config.cookie };
    const realm = config.realm ?? 'sluice';
    const base = compileAuthBase('oauth2-introspection', config, challenge('Bearer', { realm }), ctx);
    const strip = config.strip_credential ?? false;
    const failOpen = config.fail_open ?? false;
    const endpoint = new URL(config.endpoint).origin;

    const refuse = (code: string, detail: string, data: Record<string, unknown>): Decision =>
      deny(code, detail, { headers: { 'www-authenticate': challenge('Bearer', { realm, error: 'invalid_token', error_description: detail }) }, data });

    function decide(req: RequestContext, r: Introspected, facts: Record<string, unknown>): Decision {
      const data = { ...facts, ...r.facts, ...(r.expiresAt !== undefined ? { exp: new Date(r.expiresAt).toISOString() } : {}) };
      if (!r.active) return refuse('auth.introspection_inactive', 'The access token is not active.', { ...data, reason: r.inactiveReason });
      if (r.subject === undefined) return refuse('auth.introspection_claim_missing', `The token's introspection has no "${settings.consumerClaim}" to identify the consumer.`, { ...data, claim: settings.consumerClaim });
      const who = bySubject.get(r.subject);
      const consumer = who?.consumer ?? fallback;
      if (!consumer) return refuse('auth.introspection_unknown_consumer', 'The token\'s holder is not a consumer of this API.', { ...data, [settings.consumerClaim]: r.subject.slice(0, 200) });
      const credential = { id: who?.credentialId ?? `introspection-subject:${r.subject.slice(0, 100)}`, type: 'oauth2-introspection', scopes: r.scopes };
      return authenticated(req, base, consumer, credential, { ...data, [settings.consumerClaim]: r.subject.slice(0, 200), scopes: r.scopes.slice(0, 50), ...(who ? {} : { default_consumer: true }) });
    }

    return {
      evaluate(req) {
        const found = findBearerToken(req, sources);
        if (!found) return noCredential(req, base, 'auth.introspection_missing', 'No bearer token was sent.');
        if (strip) stripToken(req, found, sources);
        if (found.token.length === 0 || found.token.length > MAX_TOKEN || !TOKEN68.test(found.token)) {
          return refuse('auth.introspection_malformed', 'The bearer token is malformed.', { source: found.source, length: found.token.length });
        }
        const key = tokenKey(found.token);
        const hit = cache.cached(key, Date.now());
        if (hit) return decide(req, hit, { source: found.source, cached: true });
        return cache.introspect(found.token, key, !req.dryRun).then(
          (r) => decide(req, r, { source: found.source, cached: false, ...(req.dryRun ? { introspection: 'dry run: asked, not cached' } : {}) }),
          (err: unknown) => {
            const error = err instanceof Error ? err.message : String(err);
            if (!failOpen) {
              return deny('auth.introspection_unavailable', 'The access token could not be checked: the authorization server is unavailable. Retry later.', {
                headers: { 'retry-after': '5' },
                data: { source: found.source, endpoint, error, fail_open: false },
              });
            }
            return unavailable(req, base, true, 'introspection endpoint', error, { source: found.source, endpoint });
          },
        );
      },
    };
  },
});

export default oauth2Introspection;
