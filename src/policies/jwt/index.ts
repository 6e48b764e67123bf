import type { RequestContext } from '../../core/context.js';
import { parseDuration } from '../../core/duration.js';
import { definePolicy, deny, type Decision } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { challenge } from '../_auth/challenge.js';
import { authenticated, compileAuthBase, noCredential, SHARED_AUTH_REASONS, unavailable } from '../_auth/outcome.js';
import { findBearerToken, stripToken, type TokenSources } from '../_auth/token.js';
import { checkClaims, scopesFrom, type ClaimRules } from './claims.js';
import { JwksCache } from './jwks.js';
import { ALGORITHMS, isAlgorithm, keyFits, verifySignature, type Algorithm, type VerifyKey } from './keys.js';
import { JwtCredentialSchema, JwtSchema, type JwtConfig } from './schema.js';
import { credentialOf, findSubject, inlineKeys, subjects, type Subject } from './setup.js';
import { parseJwt, type ParsedJwt } from './token.js';

export const reasons = defineReasons([
  { code: 'auth.jwt_missing', status: 401, title: 'Bearer token missing', description: 'The request carries no token where the jwt policy looks (by default `Authorization: Bearer`). The challenge is `WWW-Authenticate: Bearer realm="…"`.' },
  { code: 'auth.jwt_malformed', status: 401, title: 'Token malformed', description: 'The token is not a compact JWS: not three base64url parts, header or payload not JSON, an encrypted token (JWE), unsupported `crit` header, `exp`/`nbf` not numbers, or over 16 KiB.' },
  { code: 'auth.jwt_bad_algorithm', status: 401, title: 'Token algorithm not accepted', description: 'The token\'s `alg` is not in the policy\'s `algorithms` (`none` never is), or the key named by `kid` cannot verify that algorithm (e.g. HS256 with an RSA key).' },
  { code: 'auth.jwt_unknown_kid', status: 401, title: 'Signing key unknown', description: 'No configured or JWKS key matches the token\'s `kid` (or, without `kid`, its algorithm). A JWKS is re-fetched for an unknown `kid`, at most once per `jwks_min_refresh_interval`; the trace says when it was last fetched.' },
  { code: 'auth.jwt_bad_signature', status: 401, title: 'Token signature invalid', description: 'The signature does not verify with the selected key: the token was altered, or signed with another key.' },
  { code: 'auth.jwt_expired', status: 401, title: 'Token expired', description: 'Now is past `exp` plus `leeway`. The detail says how long ago it expired; the trace has the exact `exp`.' },
  { code: 'auth.jwt_not_yet_valid', status: 401, title: 'Token not yet valid', description: 'Now is before `nbf` minus `leeway` (often a clock difference between the issuer and the gateway).' },
  { code: 'auth.jwt_wrong_issuer', status: 401, title: 'Token issuer not accepted', description: 'The token\'s `iss` is absent or not one of the policy\'s `issuer` values.' },
  { code: 'auth.jwt_wrong_audience', status: 401, title: 'Token audience not accepted', description: 'The token\'s `aud` is absent or names none of the policy\'s `audience` values: it was issued for another API.' },
  { code: 'auth.jwt_claim_missing', status: 401, title: 'Required claim missing', description: 'The token lacks a claim the policy needs: `exp` (with `require_exp`) or the `consumer_claim` (default `sub`).' },
  { code: 'auth.jwt_unknown_consumer', status: 401, title: 'Token subject is not a consumer', description: 'The token is valid but its `consumer_claim` value matches no consumer\'s `jwt` credential, and no `default_consumer` is configured.' },
  ...SHARED_AUTH_REASONS,
]);

const ms = (v: string | number | undefined, dflt: number) => (v === undefined ? dflt : (parseDuration(v) ?? dflt));
const list = (v: string | string[] | undefined) => (v === undefined ? undefined : new Set(Array.isArray(v) ? v : [v]));
const MAX_TRIES = 5;

/**
 * JWT bearer tokens (RFC 7519/7515) signed with HS*, RS*, PS*, ES* or EdDSA, with keys in the config or
 * from a JWKS URL. Verification is synchronous (node:crypto) whenever the key is at hand.
 */
export const jwt = definePolicy<JwtConfig>({
  name: 'jwt',
  phase: 'authenticate',
  priority: 30,
  summary: 'Authenticate consumers by signed JWT (HS/RS/PS/ES/EdDSA, inline keys or JWKS), with iss/aud/exp/nbf checks (401).',
  schema: JwtSchema,
  reasons,
  credential: { type: 'jwt', schema: JwtCredentialSchema },
  compile(config, ctx) {
    const inline = inlineKeys(config.keys ?? [], ctx);
    if (inline.length === 0 && !config.jwks_url) ctx.fail('', 'set "keys" or "jwks_url": tokens cannot be verified without a key');
    const allowed = new Set<string>(config.algorithms ?? ALGORITHMS);
    const sources: TokenSources = { header: config.header ?? 'authorization', query: config.query, cookie: config.cookie };
    const realm = config.realm ?? 'sluice';
    const base = compileAuthBase('jwt', config, challenge('Bearer', { realm }), ctx);
    const bearerError = (detail: string) => ({ 'www-authenticate': challenge('Bearer', { realm, error: 'invalid_token', error_description: detail }) });
    const rules: ClaimRules = { issuers: list(config.issuer), audiences: list(config.audience), leeway: ms(config.leeway, 30_000) / 1000, requireExp: config.require_exp ?? true };
    const claim = config.consumer_claim ?? 'sub';
    const scopesClaim = config.scopes_claim ?? 'scope';
    const bySubject = subjects(ctx);
    let fallback: Subject | undefined;
    if (config.default_consumer !== undefined) {
      const c = ctx.consumer(config.default_consumer) ?? ctx.fail('default_consumer', `no consumer with id ${JSON.stringify(config.default_consumer)}`);
      fallback = { issuer: undefined, consumer: c, credentialId: '' };
    }
    const strip = config.strip_credential ?? false;
    const failOpen = config.fail_open ?? false;
    const jwks = config.jwks_url
      ? (() => {
          const settings = { url: config.jwks_url, ttlMs: ms(config.jwks_cache_ttl, 600_000), minIntervalMs: ms(config.jwks_min_refresh_interval, 30_000), timeoutMs: ms(config.jwks_timeout, 5_000) };
          const cache = ctx.persistent(`jwks:${config.jwks_url}`, () => new JwksCache(settings, ctx.http, ctx.log));
          cache.configure(settings);
          return cache;
        })()
      : undefined;

    const refuse = (code: string, detail: string, data: Record<string, unknown>): Decision => deny(code, detail, { headers: bearerError(detail), data });

    /** Signature, then claims, then the consumer. */
    function finish(req: RequestContext, t: ParsedJwt, alg: Algorithm, candidates: readonly VerifyKey[], facts: Record<string, unknown>): Decision {
      const key = candidates.slice(0, MAX_TRIES).find((k) => verifySignature(alg, k.key, t.signingInput, t.signature));
      if (!key) return refuse('auth.jwt_bad_signature', 'The token signature is not valid.', { ...facts, keys_tried: Math.min(candidates.length, MAX_TRIES) });
      const claims = { ...facts, key: key.source, ...(typeof t.payload['iss'] === 'string' ? { iss: t.payload['iss'] } : {}) };
      const failure = checkClaims(t.payload, rules, Date.now() / 1000);
      if (failure) return refuse(failure.code, failure.detail, { ...claims, ...failure.data });
      const value = t.payload[claim];
      if (typeof value !== 'string' && typeof value !== 'number') return refuse('auth.jwt_claim_missing', `The token has no "${claim}" claim to identify the consumer.`, { ...claims, claim });
      const subject = String(value);
      const who = findSubject(bySubject, subject, t.payload['iss']) ?? fallback;
      if (!who) return refuse('auth.jwt_unknown_consumer', `The token's subject is not a consumer of this API.`, { ...claims, [claim]: subject });
      const scopes = Object.freeze(scopesFrom(t.payload[scopesClaim]));
      const credential = credentialOf(who.credentialId || `jwt-subject:${subject.slice(0, 100)}`, scopes);
      return authenticated(req, base, who.consumer, credential, { ...claims, [claim]: subject, ...(who === fallback ? { default_consumer: true } : {}) }, base.challenge);
    }

    function matching(keys: readonly VerifyKey[], t: ParsedJwt, alg: Algorithm): { fit: VerifyKey[]; named: number } {
      const named = keys.filter((k) => t.kid === undefined || k.kid === t.kid);
      return { fit: named.filter((k) => (k.alg === undefined || k.alg === alg) && keyFits(alg, k.key)), named: named.length };
    }

    function noKey(t: ParsedJwt, alg: Algorithm, named: number, facts: Record<string, unknown>): Decision {
      if (named > 0) return refuse('auth.jwt_bad_algorithm', `The key "${t.kid ?? ''}" cannot verify ${alg} tokens.`, facts);
      const jw = jwks ? { jwks_fetched_at: jwks.fetchedAt ? new Date(jwks.fetchedAt).toISOString() : null, jwks_next_fetch_in_ms: jwks.nextFetchIn(Date.now()) } : {};
      const detail = t.kid !== undefined ? `No signing key with id "${t.kid}" is known.` : `No signing key for ${alg} is known.`;
      return refuse('auth.jwt_unknown_kid', detail, { ...facts, ...jw });
    }

    function withKeys(req: RequestContext, t: ParsedJwt, alg: Algorithm, facts: Record<string, unknown>): Decision | Promise<Decision> {
      const own = matching(inline, t, alg);
      if (!jwks) return own.fit.length ? finish(req, t, alg, own.fit, facts) : noKey(t, alg, own.named, facts);
      const now = Date.now();
      const cached = matching(jwks.keys, t, alg);
      const fit = [...own.fit, ...cached.fit];
      const named = own.named + cached.named;
      const known = t.kid !== undefined ? named > 0 : fit.length > 0;
      if (known && jwks.fetchedAt > 0) {
        // Stale keys keep serving while a refresh runs in the background (never from the simulator).
        if (!req.dryRun && jwks.stale(now) && jwks.mayFetch(now)) jwks.refresh().catch(() => undefined);
        return fit.length ? finish(req, t, alg, fit, facts) : noKey(t, alg, named, facts);
      }
      if (!jwks.mayFetch(now)) {
        if (jwks.fetchedAt === 0) return unavailable(req, base, failOpen, 'JWKS endpoint', jwks.lastError ?? 'not fetched yet', { ...facts, jwks: jwks.url });
        return noKey(t, alg, named, { ...facts, jwks_refresh: 'rate-limited' });
      }
      // The simulator fetches privately: it must not use up the refresh budget or change the cache.
      const keys = req.dryRun ? jwks.fetchKeys() : jwks.refresh().then(() => jwks.keys);
      return keys.then(
        (fresh) => {
          const again = matching(fresh, t, alg);
          const all = [...own.fit, ...again.fit];
          const data = { ...facts, jwks_refresh: req.dryRun ? 'fetched (dry run, not cached)' : 'fetched' };
          return all.length ? finish(req, t, alg, all, data) : noKey(t, alg, own.named + again.named, data);
        },
        (err: unknown) => unavailable(req, base, failOpen, 'JWKS endpoint', err instanceof Error ? err.message : String(err), { ...facts, jwks: jwks.url }),
      );
    }

    return {
      evaluate(req) {
        const found = findBearerToken(req, sources);
        if (!found) return noCredential(req, base, 'auth.jwt_missing', 'No bearer token was sent.');
        if (strip) stripToken(req, found, sources);
        const t = parseJwt(found.token);
        if (typeof t === 'string') return refuse('auth.jwt_malformed', `The token is malformed: ${t}.`, { source: found.source });
        const facts = { source: found.source, alg: t.alg, ...(t.kid !== undefined ? { kid: t.kid } : {}) };
        if (!isAlgorithm(t.alg) || !allowed.has(t.alg)) return refuse('auth.jwt_bad_algorithm', `Tokens signed with "${t.alg}" are not accepted.`, { ...facts, accepted: [...allowed] });
        return withKeys(req, t, t.alg, facts);
      },
    };
  },
});

export default jwt;
