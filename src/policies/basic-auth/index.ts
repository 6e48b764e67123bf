import { createHmac, randomBytes } from 'node:crypto';
import type { ConsumerIdentity, CredentialIdentity, RequestContext } from '../../core/context.js';
import { parseDuration } from '../../core/duration.js';
import { definePolicy, deny, type CompileContext, type Decision } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { challenge } from '../_auth/challenge.js';
import { BoundedCache } from '../_auth/lru.js';
import { authenticated, compileAuthBase, noCredential, SHARED_AUTH_REASONS } from '../_auth/outcome.js';
import { authorizationScheme, schemeCredentials } from '../_auth/token.js';
import { DEFAULT_PARAMS, hashPassword, parsePasswordHash, verifyPassword, type ParsedHash } from './credential.js';
import { limiter } from './limiter.js';
import { BasicAuthCredentialSchema, BasicAuthSchema, type BasicAuthConfig, type BasicAuthCredential } from './schema.js';

export { hashPassword, verifyPassword, parsePasswordHash } from './credential.js';

export const reasons = defineReasons([
  { code: 'auth.basic_missing', status: 401, title: 'Basic credentials missing', description: 'The request has no `Authorization: Basic …` header (another scheme, or none). The `WWW-Authenticate: Basic` challenge asks for one.' },
  { code: 'auth.basic_malformed', status: 401, title: 'Basic credentials malformed', description: 'The `Authorization: Basic` value is not base64 of `username:password` (RFC 7617).' },
  { code: 'auth.basic_invalid', status: 401, title: 'Invalid username or password', description: 'The username is unknown or the password is wrong. The client is not told which (that would let anyone list usernames); the trace says which (`reason: unknown_user | wrong_password`).' },
  { code: 'auth.basic_busy', status: 503, title: 'Too many password checks in progress', description: 'Password checks (scrypt) are deliberately slow and limited process-wide so they cannot starve the thread pool; the queue (`max_queued_verifications`) is full. Retry after the `Retry-After` delay. Verified pairs are cached, so legitimate clients rarely reach this.' },
  ...SHARED_AUTH_REASONS,
]);

interface User {
  readonly consumer: ConsumerIdentity;
  readonly credential: CredentialIdentity;
  readonly stored: string;
  readonly parsed: ParsedHash;
}

/** What a cached verification remembers: which credential and which stored hash it was checked against. */
interface Verified {
  readonly credentialId: string;
  readonly stored: string;
}

function buildUsers(ctx: CompileContext): Map<string, User> {
  const users = new Map<string, User>();
  for (const rec of ctx.credentials('basic-auth')) {
    const f = rec.fields as Omit<BasicAuthCredential, 'id' | 'type'>;
    const parsed = parsePasswordHash(f.password_hash);
    if (!parsed) ctx.fail('', `basic-auth credential ${JSON.stringify(rec.id)}: password_hash has out-of-range scrypt parameters (ln 10-20, r 1-32, p 1-16)`);
    const clash = users.get(f.username);
    if (clash) ctx.fail('', `basic-auth credentials ${JSON.stringify(clash.credential.id)} and ${JSON.stringify(rec.id)} have the same username ${JSON.stringify(f.username)}`);
    const credential = Object.freeze({ id: rec.id, type: 'basic-auth', scopes: Object.freeze([...(f.scopes ?? [])]) });
    users.set(f.username, { consumer: rec.consumer, credential, stored: f.password_hash, parsed });
  }
  return users;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decoded `user:password`, or undefined when it is not RFC 7617 shaped. */
function decode(value: string): { user: string; password: string } | undefined {
  if (value.length === 0 || value.length > 4096 || !BASE64.test(value)) return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Unknown users cost a derivation too, so response time does not tell which usernames exist. */
let dummy: Promise<ParsedHash> | undefined;
const dummyHash = (): Promise<ParsedHash> => (dummy ??= hashPassword(randomBytes(16).toString('hex'), DEFAULT_PARAMS).then((h) => parsePasswordHash(h)!));

/**
 * HTTP Basic authentication (RFC 7617) against scrypt password hashes. A verified pair is cached
 * (bounded LRU with TTL, keyed by an HMAC of username and password under a per-process random key),
 * so only the first request of a client pays for scrypt; the hot path is then synchronous.
 */
export const basicAuth = definePolicy<BasicAuthConfig>({
  name: 'basic-auth',
  phase: 'authenticate',
  priority: 20,
  summary: 'Authenticate consumers by HTTP Basic username and password, stored as scrypt hashes (401).',
  schema: BasicAuthSchema,
  reasons,
  credential: { type: 'basic-auth', schema: BasicAuthCredentialSchema },
  compile(config, ctx) {
    const users = buildUsers(ctx);
    const realm = config.realm ?? 'sluice';
    const base = compileAuthBase('basic-auth', config, challenge('Basic', { realm, charset: 'UTF-8' }), ctx);
    const strip = config.strip_credential ?? true;
    const ttl = parseDuration(config.cache_ttl ?? '5m') ?? 300_000;
    const max = config.cache_max_entries ?? 10_000;
    const cache = ctx.persistent('verified', () => ({ key: randomBytes(32), entries: new BoundedCache<Verified>(max) }));
    cache.entries.resize(max);
    const maxQueue = config.max_queued_verifications ?? 100;
    const headers = { 'www-authenticate': base.challenge };
    const invalid = (data: Record<string, unknown>) => deny('auth.basic_invalid', 'The username or password is not valid.', { headers, data });

    function check(req: RequestContext, user: string, password: string): Decision | Promise<Decision> {
      const u = users.get(user);
      const facts = { username: user, ...(u ? { credential: u.credential.id } : {}) };
      const cacheKey = max > 0 ? createHmac('sha256', cache.key).update(user).update('\0').update(password).digest('base64') : '';
      const hit = max > 0 ? cache.entries.get(cacheKey, Date.now()) : undefined;
      if (u && hit && hit.credentialId === u.credential.id && hit.stored === u.stored) {
        return authenticated(req, base, u.consumer, u.credential, { ...facts, cached: true });
      }
      const job = limiter.run(async () => (u ? verifyPassword(password, u.parsed) : verifyPassword(password, await dummyHash()).then(() => false)), maxQueue);
      if (!job) {
        return deny('auth.basic_busy', 'Too many password checks are in progress; retry shortly.', { headers: { 'retry-after': '1' }, data: facts });
      }
      return job.then((ok) => {
        if (!u) return invalid({ ...facts, reason: 'unknown_user' });
        if (!ok) return invalid({ ...facts, reason: 'wrong_password' });
        // The simulator verifies but leaves no trace in the shared cache.
        if (max > 0 && !req.dryRun) cache.entries.set(cacheKey, { credentialId: u.credential.id, stored: u.stored }, Date.now() + ttl, Date.now());
        return authenticated(req, base, u.consumer, u.credential, { ...facts, cached: false });
      });
    }

    return {
      evaluate(req) {
        const value = schemeCredentials(req, 'Basic');
        if (value === undefined) {
          const scheme = authorizationScheme(req);
          return noCredential(req, base, 'auth.basic_missing', 'No credentials were sent. Use HTTP Basic authentication.', scheme ? { other_scheme: scheme } : {});
        }
        if (strip) req.upstream.removeHeader('authorization');
        const pair = decode(value);
        if (!pair) {
          return deny('auth.basic_malformed', 'The Basic credentials are malformed: expected base64 of "username:password".', { headers, data: { length: value.length } });
        }
        return check(req, pair.user, pair.password);
      },
    };
  },
});

export default basicAuth;
