import { createHash, createHmac } from 'node:crypto';
import type { RequestContext } from '../../core/context.js';
import { COUNTERS_SERVICE, type Counters, type RateOutcome, type RateSpec } from '../../core/counters.js';
import { parseDuration } from '../../core/duration.js';
import { storeFailure } from '../../core/limits.js';
import { definePolicy, deny, type Decision } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { challenge } from '../_auth/challenge.js';
import { authenticated, compileAuthBase, noCredential, SHARED_AUTH_REASONS } from '../_auth/outcome.js';
import { humanDuration, safeEqual } from '../_auth/secrets.js';
import { authorizationScheme, schemeCredentials } from '../_auth/token.js';
import { buildKeyTable, type HmacKey } from './keys.js';
import { HMAC_ALGORITHMS, HmacAuthCredentialSchema, HmacAuthSchema, type HmacAlgorithm, type HmacAuthConfig } from './schema.js';
import { digestOf, isRequestTarget, parseDigest, parseSignature, signingString, type SignatureParams } from './signature.js';

export { generateHmacSecret } from './keys.js';
export { sealSecret } from '../_auth/secret-ref.js';

export const reasons = defineReasons([
  { code: 'auth.hmac_missing', status: 401, title: 'Request signature missing', description: 'The request has no `Authorization: Signature …` header (none, or another scheme: the trace names it). The `WWW-Authenticate: Signature` challenge lists the headers a signature must cover.' },
  { code: 'auth.hmac_malformed', status: 401, title: 'Request signature malformed', description: 'The `Signature` credentials cannot be checked: a parameter (`keyId`, `headers`, `signature`) is missing, repeated or not base64; the `algorithm` is not accepted; a header the policy requires (`signed_headers`, `digest` for a body) is not signed; a signed header is not sent; or the `Date` is not an HTTP date. The detail says which.' },
  { code: 'auth.hmac_unknown_key', status: 401, title: 'Access key unknown', description: 'No consumer has an hmac-auth credential with this `keyId`.' },
  { code: 'auth.hmac_clock_skew', status: 401, title: 'Request date outside the allowed window', description: 'The signed `Date` (or `X-Date`) is further from the gateway\'s clock than `clock_skew` allows: the request is too old (possibly a replay) or the client\'s clock is off. The detail says by how much.' },
  { code: 'auth.hmac_bad_signature', status: 401, title: 'Request signature invalid', description: 'The signature does not match the request signed with the access key\'s secret: the request was altered (method, path, query or a signed header), or signed with another secret or algorithm.' },
  { code: 'auth.hmac_digest_mismatch', status: 401, title: 'Body digest mismatch', description: 'The signature is valid but the body does not match the signed `Digest` header: the body was altered in transit, or the digest was computed over something else (e.g. before compression).' },
  { code: 'auth.hmac_replay', status: 401, title: 'Request signature already used', description: 'A request with this exact signature was already accepted within the clock-skew window. Each signed request is accepted once; sign every request anew (a fresh `Date`).' },
  { code: 'auth.hmac_replay_unchecked', status: 200, title: 'Replay not checked: replay cache unreachable (fail open)', description: 'Trace only: the shared replay cache (Redis) could not be reached and the policy sets `replay_failure_mode: open`, so a valid signature was accepted without checking for replay. With `closed` (the default) the answer is 503 `policy.unavailable`.' },
  ...SHARED_AUTH_REASONS,
]);

const NODE_HASH: Record<HmacAlgorithm, string> = { 'hmac-sha256': 'sha256', 'hmac-sha384': 'sha384', 'hmac-sha512': 'sha512' };
const DATE_HEADERS = ['date', 'x-date'] as const;

/**
 * AK/SK request signing (HTTP Signatures, draft-cavage, as Kong's and APISIX's hmac-auth): the client
 * signs method, path and query, the date and the body digest with its secret. Verified synchronously
 * (one HMAC) unless the body must be read or the replay cache is in Redis.
 */
export const hmacAuth = definePolicy<HmacAuthConfig>({
  name: 'hmac-auth',
  phase: 'authenticate',
  priority: 25,
  summary: 'Authenticate consumers by HMAC request signatures (AK/SK) over method, path, date and body digest, with clock-skew and replay checks (401).',
  schema: HmacAuthSchema,
  reasons,
  credential: { type: 'hmac-auth', schema: HmacAuthCredentialSchema },
  compile(config, ctx) {
    const keys = buildKeyTable(ctx);
    const allowed = new Set<string>(config.algorithms ?? HMAC_ALGORITHMS);
    const skewMs = parseDuration(config.clock_skew ?? '300s') ?? ctx.fail('clock_skew', 'must be a duration');
    if (skewMs < 1000 || skewMs > 3_600_000) ctx.fail('clock_skew', 'must be between 1s and 1h');
    const required = (config.signed_headers ?? ['@request-target', 'date']).map((h) => (h === '(request-target)' ? '@request-target' : h));
    if (!required.includes('date') && !required.includes('x-date')) {
      ctx.fail('signed_headers', 'must include date (or x-date): without a signed date the clock-skew window means nothing and a captured request could be replayed later');
    }
    const validateBody = config.validate_body ?? true;
    const bodyLimit = config.body_limit ?? 1_048_576;
    const strip = config.strip_credential ?? true;
    const realm = config.realm ?? 'sluice';
    const base = compileAuthBase('hmac-auth', config, challenge('Signature', { realm, headers: required.join(' ') }), ctx);
    const www = { 'www-authenticate': base.challenge };
    const failClosed = (config.replay_failure_mode ?? 'closed') === 'closed';
    const replay = config.replay_protection ?? true;
    const counters = replay ? (ctx.services.get<Counters>(COUNTERS_SERVICE) ?? ctx.fail('replay_protection', 'needs the `counters` service (provided by the cluster module), which is not available')) : undefined;
    // A signature stays refused for as long as its date can be inside the window: 2 × skew.
    const replaySpan = 2 * skewMs + 1000;
    const replaySpec: RateSpec = { table: `${ctx.policyId}/hmac-replay/${replaySpan}`, emissionMs: replaySpan, capacityMs: replaySpan };
    const replaySpecs = [replaySpec];

    const refuse = (code: string, detail: string, data: Record<string, unknown>): Decision => deny(code, detail, { headers: www, data });

    function checkReplay(req: RequestContext, p: SignatureParams, key: HmacKey, facts: Record<string, unknown>): Decision | Promise<Decision> {
      if (!counters) return authenticated(req, base, key.consumer, key.credential, facts);
      const partition = createHash('sha256').update(p.keyId).update('\0').update(p.signature).digest('base64url');
      const decide = (o: RateOutcome): Decision => {
        if (!o.allowed) return refuse('auth.hmac_replay', 'This signed request was already accepted; sign each request anew.', { ...facts, replay_store: counters.kind, seen_within_ms: replaySpan });
        return authenticated(req, base, key.consumer, key.credential, { ...facts, replay_store: counters.kind, ...(req.dryRun ? { replay: 'checked, not recorded (dry run)' } : {}) });
      };
      const unreachable = (err: unknown): Decision => {
        const d = storeFailure(err, counters.kind, failClosed, 'auth.hmac_replay_unchecked', 'Replay checking');
        if (d.outcome !== 'allow') return d;
        const ok = authenticated(req, base, key.consumer, key.credential, { ...facts, ...d.data });
        return ok.outcome === 'allow' ? { ...ok, code: d.code, detail: d.detail } : ok;
      };
      let r: RateOutcome | Promise<RateOutcome>;
      try {
        r = counters.rate(replaySpecs, [partition], !req.dryRun);
      } catch (err) {
        return unreachable(err);
      }
      return r instanceof Promise ? r.then(decide, unreachable) : decide(r);
    }

    function checkDigest(req: RequestContext, p: SignatureParams, key: HmacKey, facts: Record<string, unknown>): Decision | Promise<Decision> {
      if (!p.headers.includes('digest')) return checkReplay(req, p, key, facts);
      const expected = parseDigest(req.header('digest') ?? '');
      if (!expected) return refuse('auth.hmac_malformed', 'The Digest header has no SHA-256 or SHA-512 value.', facts);
      const compare = (body: Uint8Array): Decision | Promise<Decision> => {
        const actual = digestOf(body, expected.algorithm);
        if (actual !== expected.value) return refuse('auth.hmac_digest_mismatch', 'The request body does not match its signed Digest header.', { ...facts, digest: expected.algorithm, body_bytes: body.length });
        return checkReplay(req, p, key, { ...facts, digest: expected.algorithm, body_bytes: body.length });
      };
      if (!req.hasBody) return compare(new Uint8Array(0));
      return req.readBody(bodyLimit).then(compare);
    }

    function verify(req: RequestContext, p: SignatureParams): Decision | Promise<Decision> {
      const algorithm = (p.algorithm ?? 'hmac-sha256') as HmacAlgorithm;
      const facts: Record<string, unknown> = { key_id: p.keyId.slice(0, 100), algorithm, headers: p.headers };
      if (!allowed.has(algorithm)) return refuse('auth.hmac_malformed', `Signatures with algorithm "${algorithm.slice(0, 40)}" are not accepted; use one of ${[...allowed].join(', ')}.`, facts);
      const signed = new Set(p.headers.map((h) => (isRequestTarget(h) ? '@request-target' : h)));
      for (const h of required) {
        const covered = signed.has(h) || (h === 'date' && signed.has('x-date'));
        if (!covered) return refuse('auth.hmac_malformed', `The signature must cover ${h}${h === 'date' ? ' (or x-date)' : ''}.`, { ...facts, required });
      }
      if (validateBody && req.hasBody && !signed.has('digest')) return refuse('auth.hmac_malformed', 'A request with a body must sign a Digest header of the body.', { ...facts, required: [...required, 'digest'] });
      const key = keys.get(p.keyId);
      if (!key) return refuse('auth.hmac_unknown_key', 'The access key is not valid.', facts);
      facts['credential'] = key.credential.id;
      const dateHeader = DATE_HEADERS.find((h) => signed.has(h));
      if (dateHeader) {
        const raw = req.header(dateHeader);
        const at = raw === undefined ? NaN : Date.parse(raw);
        if (Number.isNaN(at)) return refuse('auth.hmac_malformed', `The ${dateHeader} header is ${raw === undefined ? 'missing' : 'not an HTTP date'}.`, facts);
        const off = Date.now() - at;
        if (Math.abs(off) > skewMs) {
          const how = `${humanDuration(Math.abs(off) / 1000)} ${off > 0 ? 'behind' : 'ahead of'}`;
          return refuse('auth.hmac_clock_skew', `The request's ${dateHeader} is ${how} the gateway's clock; the allowed difference is ${humanDuration(skewMs / 1000)}.`, { ...facts, date: raw, offset_ms: off, clock_skew_ms: skewMs });
        }
        facts['offset_ms'] = off;
      }
      const s = signingString(req, p.headers);
      if ('absent' in s) return refuse('auth.hmac_malformed', `The signed header ${s.absent} is not in the request.`, facts);
      const mac = createHmac(NODE_HASH[algorithm], key.secret).update(s.text, 'utf8').digest();
      if (!safeEqual(mac, Buffer.from(p.signature, 'base64'))) return refuse('auth.hmac_bad_signature', 'The request signature is not valid.', facts);
      return checkDigest(req, p, key, facts);
    }

    return {
      evaluate(req) {
        const value = schemeCredentials(req, 'Signature');
        if (value === undefined) {
          const scheme = authorizationScheme(req);
          return noCredential(req, base, 'auth.hmac_missing', `No request signature was sent. Sign the request: Authorization: Signature keyId, algorithm, headers (at least ${required.join(' ')}) and signature.`, scheme ? { other_scheme: scheme } : {});
        }
        if (strip) req.upstream.removeHeader('authorization');
        const p = parseSignature(value);
        if (typeof p === 'string') return refuse('auth.hmac_malformed', `The request signature is malformed: ${p}.`, { length: value.length });
        return verify(req, p);
      },
    };
  },
});

export default hmacAuth;
