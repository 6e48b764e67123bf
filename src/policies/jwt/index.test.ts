import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyHttpClient } from '../../core/policy.js';
import { call, startGateway, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { closedPort, startUpstream, type TestUpstream } from '../../test-support/upstream.js';
import { compileContext, decided, request } from '../_auth/testing.js';
import { jwt } from './index.js';
import type { JwtConfig } from './schema.js';

const SECRET = 'a-very-long-hmac-secret-of-at-least-64-bytes-for-hs512-verification!';
const ISS = 'https://idp.test';
const AUD = 'orders-api';
const alice = { id: 'alice', groups: ['staff'] };
const guest = { id: 'guest', groups: ['public'] };
const creds = [{ id: 'alice-jwt', type: 'jwt', consumer: 'alice', subject: 'user-alice' }];

interface Signer {
  sign(claims?: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
}

async function signer(alg: string, kid: string, key: CryptoKey | Uint8Array): Promise<Signer> {
  return {
    sign: (claims = {}, header = {}) =>
      new SignJWT({ sub: 'user-alice', iss: ISS, aud: AUD, scope: 'orders:read orders:write', ...claims })
        .setProtectedHeader({ alg, kid, ...header })
        .setIssuedAt()
        .setExpirationTime(typeof claims['exp'] === 'number' ? (claims['exp']) : '10m')
        .sign(key),
  };
}

const hs = signer('HS256', 'hs1', new TextEncoder().encode(SECRET));
const inlineHs = { kid: 'hs1', secret: SECRET };

/** A PolicyHttpClient over the platform fetch, for unit tests against a real local server. */
const fetchClient: PolicyHttpClient = {
  async request(url, init) {
    const r = await fetch(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body, signal: AbortSignal.timeout(init.timeoutMs ?? 5000) });
    return { status: r.status, headers: Object.fromEntries(r.headers), body: new Uint8Array(await r.arrayBuffer()) };
  },
};

function compile(config: Partial<JwtConfig>, o: { persistent?: Map<string, unknown>; http?: PolicyHttpClient } = {}) {
  return jwt.compile({ keys: [inlineHs], issuer: ISS, audience: AUD, ...config }, compileContext({ consumers: [alice, guest], credentials: creds, ...o }));
}

describe('jwt signature verification (tokens signed by jose)', () => {
  it.each(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])('%s: accepts a good signature synchronously, refuses a tampered one', async (alg) => {
    let key: CryptoKey | Uint8Array;
    let verifyKey: Record<string, unknown>;
    if (alg.startsWith('HS')) {
      key = new TextEncoder().encode(SECRET);
      verifyKey = { kid: 'k', secret: SECRET };
    } else {
      const pair = await generateKeyPair(alg, { extractable: true });
      key = pair.privateKey;
      verifyKey = alg.startsWith('RS') ? { kid: 'k', pem: await exportSPKI(pair.publicKey) } : { kid: 'k', jwk: await exportJWK(pair.publicKey) };
    }
    const p = compile({ keys: [verifyKey] as never });
    const token = await (await signer(alg, 'k', key)).sign();
    const req = request({ headers: { authorization: `Bearer ${token}` } });
    const d = p.evaluate(req);
    expect(d).not.toBeInstanceOf(Promise);
    expect(d).toMatchObject({ outcome: 'allow', data: { alg, kid: 'k', key: 'inline', sub: 'user-alice', consumer: 'alice' } });
    expect(req.credential).toEqual({ id: 'alice-jwt', type: 'jwt', scopes: ['orders:read', 'orders:write'] });
    const [h, , s] = token.split('.');
    const forged = `${h!}.${Buffer.from(JSON.stringify({ sub: 'user-alice', iss: ISS, aud: AUD, exp: 4102444800, admin: true })).toString('base64url')}.${s!}`;
    expect(await decided(p.evaluate(request({ headers: { authorization: `Bearer ${forged}` } })))).toMatchObject({ code: 'auth.jwt_bad_signature' });
  });
});

describe('jwt decision logic', () => {
  const code = async (token: string, config: Partial<JwtConfig> = {}) => (await decided(compile(config).evaluate(request({ headers: { authorization: `Bearer ${token}` } })))).code;

  it('missing and malformed', async () => {
    expect(await decided(compile({}).evaluate(request()))).toMatchObject({ code: 'auth.jwt_missing', headers: { 'www-authenticate': 'Bearer realm="sluice"' } });
    expect(await code('abc.def')).toBe('auth.jwt_malformed');
    expect(await code('a.b.c.d.e')).toBe('auth.jwt_malformed');
    expect(await code(`${Buffer.from('{"alg":"HS256"}').toString('base64url')}.bm90LWpzb24.c2ln`)).toBe('auth.jwt_malformed');
    expect(await code(await (await hs).sign({}, { crit: ['b64'], b64: true }))).toBe('auth.jwt_malformed');
  });

  it('refuses alg none, algorithms outside the list, and a key of the wrong kind (no HS/RS confusion)', async () => {
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'user-alice' })).toString('base64url')}.`;
    expect(await code(none)).toBe('auth.jwt_malformed');
    const noneSigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'user-alice' })).toString('base64url')}.eA`;
    expect(await code(noneSigned)).toBe('auth.jwt_bad_algorithm');
    expect(await code(await (await hs).sign(), { algorithms: ['RS256'] })).toBe('auth.jwt_bad_algorithm');
    const rsa = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportSPKI(rsa.publicKey);
    // An HS256 token "signed" with the RSA public key as the HMAC secret must not verify.
    const confused = await (await signer('HS256', 'rsa', new TextEncoder().encode(pem))).sign();
    expect(await decided(compile({ keys: [{ kid: 'rsa', pem }] }).evaluate(request({ headers: { authorization: `Bearer ${confused}` } })))).toMatchObject({ code: 'auth.jwt_bad_algorithm', detail: 'The key "rsa" cannot verify HS256 tokens.' });
  });

  it('unknown kid', async () => {
    expect(await decided(compile({}).evaluate(request({ headers: { authorization: `Bearer ${await (await hs).sign({}, { kid: 'other' })}` } })))).toMatchObject({
      code: 'auth.jwt_unknown_kid',
      detail: 'No signing key with id "other" is known.',
    });
  });

  it('expired says how long ago; not-yet-valid says how long to wait; leeway applies', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await decided(compile({}).evaluate(request({ headers: { authorization: `Bearer ${await (await hs).sign({ exp: now - 5 * 3600 - 30 })}` } })));
    expect(expired).toMatchObject({ code: 'auth.jwt_expired', detail: 'The token expired 5 hours ago.', data: { expired_seconds_ago: expect.any(Number) as number } });
    expect((expired as { headers: Record<string, string> }).headers['www-authenticate']).toBe('Bearer realm="sluice", error="invalid_token", error_description="The token expired 5 hours ago."');
    expect(await code(await (await hs).sign({ exp: now - 10 }))).toBeUndefined();
    expect(await code(await (await hs).sign({ exp: now - 10 }), { leeway: 0 })).toBe('auth.jwt_expired');
    expect(await decided(compile({}).evaluate(request({ headers: { authorization: `Bearer ${await (await hs).sign({ nbf: now + 3600 })}` } })))).toMatchObject({
      code: 'auth.jwt_not_yet_valid',
      detail: 'The token is not valid yet; it becomes valid in 59 minutes.',
    });
  });

  it('issuer, audience, required claims', async () => {
    expect(await code(await (await hs).sign({ iss: 'https://evil.test' }))).toBe('auth.jwt_wrong_issuer');
    expect(await code(await (await hs).sign({ aud: ['billing-api'] }))).toBe('auth.jwt_wrong_audience');
    expect(await code(await (await hs).sign({ aud: ['billing-api', AUD] }))).toBeUndefined();
    const noExp = await new SignJWT({ sub: 'user-alice', iss: ISS, aud: AUD }).setProtectedHeader({ alg: 'HS256', kid: 'hs1' }).sign(new TextEncoder().encode(SECRET));
    expect(await code(noExp)).toBe('auth.jwt_claim_missing');
    expect(await code(noExp, { require_exp: false })).toBeUndefined();
    expect(await code(await (await hs).sign({ sub: undefined }))).toBe('auth.jwt_claim_missing');
  });

  it('maps the consumer claim to a consumer; unknown subjects are refused unless default_consumer', async () => {
    const stranger = await (await hs).sign({ sub: 'user-zed' });
    expect(await code(stranger)).toBe('auth.jwt_unknown_consumer');
    const req = request({ headers: { authorization: `Bearer ${stranger}` } });
    expect(await decided(compile({ default_consumer: 'guest' }).evaluate(req))).toMatchObject({ outcome: 'allow', data: { default_consumer: true } });
    expect(req.consumer).toEqual(guest);
    expect(req.credential?.id).toBe('jwt-subject:user-zed');
    const byClient = await (await hs).sign({ client_id: 'user-alice', sub: 'x' });
    expect(await code(byClient, { consumer_claim: 'client_id' })).toBeUndefined();
  });

  it('strip_credential removes the Authorization header (off by default: upstreams often read the token)', async () => {
    const token = await (await hs).sign();
    const kept = request({ headers: { authorization: `Bearer ${token}` } });
    await decided(compile({}).evaluate(kept));
    expect(kept.edits.removed.has('authorization')).toBe(false);
    const stripped = request({ headers: { authorization: `Bearer ${token}` } });
    await decided(compile({ strip_credential: true }).evaluate(stripped));
    expect(stripped.edits.removed.has('authorization')).toBe(true);
  });

  it('refuses keys that cannot work', async () => {
    expect(() => compile({ keys: [] })).toThrow(/set "keys" or "jwks_url"/);
    expect(() => compile({ keys: [{ secret: 'too-short' }] })).toThrow(/keys\[0\]\.secret: an HMAC secret must be at least 32 bytes/);
    expect(() => compile({ keys: [{ secret: SECRET, pem: 'x' }] })).toThrow(/keys\[0\]: set exactly one/);
    const ec = await generateKeyPair('ES256', { extractable: true });
    const ecJwk = (await exportJWK(ec.publicKey)) as Record<string, unknown>;
    expect(() => compile({ keys: [{ alg: 'RS256', jwk: ecJwk }] })).toThrow(/keys\[0\]\.alg: RS256 cannot be verified with this key/);
  });
});

describe('jwt with a JWKS URL (a real local server)', () => {
  let idp: TestUpstream;
  let served: JWK[] = [];
  let k1: Signer;
  let k2: Signer;
  let k2Jwk: JWK;

  beforeAll(async () => {
    const p1 = await generateKeyPair('ES256', { extractable: true });
    const p2 = await generateKeyPair('RS256', { extractable: true });
    k1 = await signer('ES256', 'es1', p1.privateKey);
    k2 = await signer('RS256', 'rs2', p2.privateKey);
    served = [{ ...(await exportJWK(p1.publicKey)), kid: 'es1', use: 'sig' }];
    k2Jwk = { ...(await exportJWK(p2.publicKey)), kid: 'rs2', alg: 'RS256' };
    idp = await startUpstream((_req, res) => {
      const body = JSON.stringify({ keys: served });
      res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  afterAll(() => idp.close());

  it('fetches once, then verifies synchronously; a new kid triggers one refresh; refreshes are rate-bounded', async () => {
    const before = idp.seen.length;
    const p = compile({ keys: undefined, jwks_url: `${idp.url}/jwks`, jwks_min_refresh_interval: '1h' }, { http: fetchClient });
    const first = p.evaluate(request({ headers: { authorization: `Bearer ${await k1.sign()}` } }));
    expect(first).toBeInstanceOf(Promise);
    expect(await first).toMatchObject({ outcome: 'allow', data: { key: 'jwks', kid: 'es1', jwks_refresh: 'fetched' } });
    expect(p.evaluate(request({ headers: { authorization: `Bearer ${await k1.sign()}` } }))).toMatchObject({ outcome: 'allow' });
    expect(idp.seen.length).toBe(before + 1);
    // The IdP rotates in a new key: the first request fetched < 1h ago, so the refresh budget is spent.
    served = [...served, k2Jwk];
    expect(await decided(p.evaluate(request({ headers: { authorization: `Bearer ${await k2.sign()}` } })))).toMatchObject({ code: 'auth.jwt_unknown_kid', data: { jwks_refresh: 'rate-limited' } });
    expect(idp.seen.length).toBe(before + 1);
  });

  it('an unknown kid refreshes the keys when the interval allows (key rotation at the issuer)', async () => {
    served = served.filter((k) => k.kid === 'es1');
    const p = compile({ keys: undefined, jwks_url: `${idp.url}/rotation`, jwks_min_refresh_interval: 0 }, { http: fetchClient });
    expect(await decided(p.evaluate(request({ headers: { authorization: `Bearer ${await k1.sign()}` } })))).toMatchObject({ outcome: 'allow' });
    served = [...served, k2Jwk];
    const before = idp.seen.length;
    expect(await decided(p.evaluate(request({ headers: { authorization: `Bearer ${await k2.sign()}` } })))).toMatchObject({ outcome: 'allow', data: { kid: 'rs2', jwks_refresh: 'fetched' } });
    expect(idp.seen.length).toBe(before + 1);
  });

  it('the simulator fetches privately: the cache and the refresh budget are untouched', async () => {
    const persistent = new Map<string, unknown>();
    const p = compile({ keys: undefined, jwks_url: `${idp.url}/dry`, jwks_min_refresh_interval: '1h' }, { http: fetchClient, persistent });
    const before = idp.seen.length;
    expect(await decided(p.evaluate(request({ headers: { authorization: `Bearer ${await k1.sign()}` }, dryRun: true })))).toMatchObject({ outcome: 'allow', data: { jwks_refresh: 'fetched (dry run, not cached)' } });
    expect(idp.seen.length).toBe(before + 1);
    // A real request still has its refresh budget (the dry run did not spend it) and fetches for itself.
    expect(await decided(p.evaluate(request({ headers: { authorization: `Bearer ${await k1.sign()}` } })))).toMatchObject({ outcome: 'allow', data: { jwks_refresh: 'fetched' } });
    expect(idp.seen.length).toBe(before + 2);
  });

  it('keys survive a recompile (config reload) of the same policy', async () => {
    const persistent = new Map<string, unknown>();
    const config = { keys: undefined, jwks_url: `${idp.url}/reload`, jwks_min_refresh_interval: '1h' };
    await decided(compile(config, { http: fetchClient, persistent }).evaluate(request({ headers: { authorization: `Bearer ${await k1.sign()}` } })));
    expect(compile(config, { http: fetchClient, persistent }).evaluate(request({ headers: { authorization: `Bearer ${await k1.sign()}` } }))).toMatchObject({ outcome: 'allow' });
  });

  it('JWKS unreachable: 503 policy.unavailable, or fail open as the anonymous consumer, and the trace says which', async () => {
    const down = `http://127.0.0.1:${await closedPort()}/jwks`;
    const token = `Bearer ${await k1.sign()}`;
    expect(await decided(compile({ keys: undefined, jwks_url: down }, { http: fetchClient }).evaluate(request({ headers: { authorization: token } })))).toMatchObject({
      outcome: 'deny',
      code: 'policy.unavailable',
      data: { dependency: 'JWKS endpoint', fail_open: false },
    });
    const req = request({ headers: { authorization: token } });
    expect(await decided(compile({ keys: undefined, jwks_url: down, fail_open: true, anonymous: 'guest' }, { http: fetchClient }).evaluate(req))).toMatchObject({
      outcome: 'allow',
      code: 'auth.failed_open',
      data: { fail_open: true },
    });
    expect(req.consumer).toEqual({ ...guest, anonymous: true });
  });
});

describe('jwt through the gateway', () => {
  let up: TestUpstream;
  let idp: TestUpstream;
  let gw: TestGateway;
  let es: Signer;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256', { extractable: true });
    es = await signer('ES256', 'es1', pair.privateKey);
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'es1' }] });
    idp = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(jwks) });
      res.end(jwks);
    });
    up = await startUpstream();
    const down = `http://127.0.0.1:${await closedPort()}/jwks`;
    const policy = (extra: Record<string, unknown> = {}) => ({ name: 'jwt', config: { keys: [inlineHs], jwks_url: `${idp.url}/jwks`, issuer: ISS, audience: AUD, ...extra } });
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      consumers: [{ id: 'alice', credentials: [{ id: 'alice-jwt', type: 'jwt', subject: 'user-alice' }] }, { id: 'guest', groups: ['public'] }],
      routes: [
        { id: 'jwt', service: 'svc', paths: ['/jwt'], policies: [policy()] },
        { id: 'down', service: 'svc', paths: ['/down'], policies: [{ name: 'jwt', config: { jwks_url: down, issuer: ISS } }] },
        { id: 'shadow', service: 'svc', paths: ['/shadow'], policies: [{ ...policy(), mode: 'shadow' }] },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
    await idp.close();
  });

  const get = async (path: string, token?: string) => call(`${gw.url}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
  const now = () => Math.floor(Date.now() / 1000);

  it('forwards a valid token (JWKS key fetched through the gateway) with the consumer headers', async () => {
    const r = await get('/jwt', await es.sign());
    expect(r.status).toBe(200);
    expect(up.seen.at(-1)!.headers['x-consumer-id']).toBe('alice');
    expect(up.seen.at(-1)!.headers.authorization).toMatch(/^Bearer /);
  });

  it.each([
    ['missing', async () => undefined],
    ['malformed', async () => 'not-a-jwt'],
    ['bad-algorithm', async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"user-alice"}').toString('base64url')}.eA`],
    ['unknown-kid', async () => (await hs).sign({}, { kid: 'nope' })],
    ['bad-signature', async () => { const t = await es.sign(); return `${t.slice(0, -6)}AAAAAA`; }],
    ['expired', async () => (await hs).sign({ exp: now() - 5 * 3600 - 60 })],
    ['not-yet-valid', async () => (await hs).sign({ nbf: now() + 2 * 86_400 + 600 })],
    ['wrong-issuer', async () => (await hs).sign({ iss: 'https://evil.test' })],
    ['wrong-audience', async () => (await hs).sign({ aud: 'billing-api' })],
    ['claim-missing', async () => (await hs).sign({ sub: undefined })],
    ['unknown-consumer', async () => (await hs).sign({ sub: 'user-zed' })],
  ])('401 %s, with an RFC 6750 challenge', async (name, token) => {
    expectGolden(`auth/jwt-401-${name}`, await get('/jwt', await token()));
  });

  it('503 policy.unavailable when the JWKS endpoint is down (fail closed)', async () => {
    expectGolden('auth/jwt-503-jwks-unavailable', await get('/down', await es.sign()));
  });

  it('shadow mode records the denial and lets the request through', async () => {
    const r = await get('/shadow', await (await hs).sign({ exp: now() - 3600 }));
    expect(r.status).toBe(200);
    const t = (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ consumerId?: string; entries: { policy?: { name: string }; outcome: string; code?: string; enforced?: boolean }[] }>();
    expect(t.entries.find((e) => e.policy?.name === 'jwt')).toMatchObject({ outcome: 'deny', code: 'auth.jwt_expired', enforced: false });
    expect(t.consumerId).toBeUndefined();
  });

  it('the simulator explains an expired token', async () => {
    const token = await (await hs).sign({ exp: now() - 7200 - 60 });
    const sim = (await call(`${gw.admin}/simulate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'GET', path: '/jwt', headers: { authorization: `Bearer ${token}` } }) })).json<{
      response: { status: number; headers: Record<string, string>; body: { code: string; detail: string } };
    }>();
    expect(sim.response).toMatchObject({ status: 401, body: { code: 'auth.jwt_expired', detail: 'The token expired 2 hours ago.' } });
    expect(sim.response.headers['www-authenticate']).toContain('error="invalid_token"');
  });
});
