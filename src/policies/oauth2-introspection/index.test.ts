import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PolicyHttpClient } from '../../core/policy.js';
import { call, startGateway, type SimpleResponse, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { closedPort, startUpstream, type TestUpstream } from '../../test-support/upstream.js';
import { compileContext, decided, request } from '../_auth/testing.js';
import { oauth2Introspection } from './index.js';
import type { OAuth2IntrospectionConfig } from './schema.js';

/**
 * A real RFC 7662 introspection endpoint for tests (a local HTTP server): it authenticates its
 * client (Basic or form), answers from a token table, and counts calls per token.
 */
interface TestAuthorizationServer {
  readonly url: string;
  /** token → introspection answer (RFC 7662 members). Unknown tokens are `{ active: false }`. */
  readonly tokens: Map<string, Record<string, unknown>>;
  /** token → number of introspection calls. */
  readonly calls: Map<string, number>;
  /** How the client authenticated on the last call (`basic`, `post` or `none`). */
  lastClientAuth: string | undefined;
  /** Answer every call with this status instead (e.g. 500), or delay it. */
  failWith: number | undefined;
  delayMs: number;
  close(): Promise<void>;
}

async function startAuthorizationServer(client: { id: string; secret: string }): Promise<TestAuthorizationServer> {
  const holder: { up?: TestUpstream } = {};
  const state: TestAuthorizationServer = {
    url: '',
    tokens: new Map(),
    calls: new Map(),
    lastClientAuth: undefined,
    failWith: undefined,
    delayMs: 0,
    close: () => holder.up!.close(),
  };
  const expectedBasic = `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;
  const up = await startUpstream((req, res, body) => {
    const answer = (status: number, doc: unknown) => {
      const text = JSON.stringify(doc);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    const form = new URLSearchParams(body.toString('utf8'));
    const viaForm = form.get('client_id') === client.id && form.get('client_secret') === client.secret;
    const viaBasic = req.headers.authorization === expectedBasic;
    state.lastClientAuth = viaBasic ? 'basic' : viaForm ? 'post' : 'none';
    const reply = () => {
      if (state.failWith !== undefined) return answer(state.failWith, { error: 'server_error' });
      if (req.method !== 'POST' || !req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) return answer(400, { error: 'invalid_request' });
      if (!viaBasic && !viaForm) return answer(401, { error: 'invalid_client' });
      const token = form.get('token') ?? '';
      state.calls.set(token, (state.calls.get(token) ?? 0) + 1);
      answer(200, state.tokens.get(token) ?? { active: false });
    };
    if (state.delayMs > 0) setTimeout(reply, state.delayMs);
    else reply();
  });
  holder.up = up;
  Object.defineProperty(state, 'url', { value: `${up.url}/introspect` });
  return state;
}

const CLIENT = { id: 'sluice-gw', secret: 'gw-secret with spaces & symbols' };
const alice = { id: 'alice', groups: ['staff'] };
const guest = { id: 'guest', groups: ['public'] };
const creds = [{ id: 'alice-app', type: 'oauth2-introspection', consumer: 'alice', subject: 'app-alice' }];
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

/** A PolicyHttpClient over the platform fetch, for unit tests against the real local server. */
const fetchClient: PolicyHttpClient = {
  async request(url, init) {
    const r = await fetch(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body, signal: AbortSignal.timeout(init.timeoutMs ?? 5000) });
    return { status: r.status, headers: Object.fromEntries(r.headers), body: new Uint8Array(await r.arrayBuffer()) };
  },
};

let as: TestAuthorizationServer;
beforeAll(async () => {
  as = await startAuthorizationServer(CLIENT);
});
afterAll(async () => {
  await as.close();
});
beforeEach(() => {
  as.failWith = undefined;
  as.delayMs = 0;
  as.tokens.clear();
  as.calls.clear();
  as.tokens.set('tok-alice', { active: true, client_id: 'app-alice', sub: 'user-1', scope: 'orders:read orders:write', exp: inAnHour(), iss: 'https://as.test' });
  as.tokens.set('tok-stranger', { active: true, client_id: 'app-stranger', scope: 'orders:read', exp: inAnHour() });
  as.tokens.set('tok-noclaim', { active: true, scope: 'orders:read', exp: inAnHour() });
});

function compile(config: Partial<OAuth2IntrospectionConfig> = {}, persistent = new Map<string, unknown>()) {
  return oauth2Introspection.compile(
    { endpoint: as.url, client_id: CLIENT.id, client_secret: `plain:${CLIENT.secret}`, ...config },
    compileContext({ consumers: [alice, guest], credentials: creds, http: fetchClient, persistent }),
  );
}
const bearer = (token: string) => request({ headers: { authorization: `Bearer ${token}` } });

describe('oauth2-introspection decision logic (against a real local introspection endpoint)', () => {
  it('an active token maps to its consumer by client_id, with scopes from `scope`; the answer is cached', async () => {
    const p = compile();
    const r = bearer('tok-alice');
    expect(await decided(p.evaluate(r))).toMatchObject({ outcome: 'allow', data: { cached: false, client_id: 'app-alice', consumer: 'alice', credential: 'alice-app', iss: 'https://as.test' } });
    expect(r.consumer).toEqual(alice);
    expect(r.credential).toEqual({ id: 'alice-app', type: 'oauth2-introspection', scopes: ['orders:read', 'orders:write'] });
    expect(as.lastClientAuth).toBe('basic');
    const again = p.evaluate(bearer('tok-alice'));
    expect(again).not.toBeInstanceOf(Promise);
    expect(again).toMatchObject({ outcome: 'allow', data: { cached: true } });
    expect(as.calls.get('tok-alice')).toBe(1);
  });

  it('client_auth: post sends the client credentials in the form', async () => {
    expect(await decided(compile({ client_auth: 'post' }).evaluate(bearer('tok-alice')))).toMatchObject({ outcome: 'allow' });
    expect(as.lastClientAuth).toBe('post');
  });

  it('tells missing, malformed, inactive, claim missing and unknown consumer apart', async () => {
    const p = compile();
    const code = async (token?: string) => (await decided(p.evaluate(token === undefined ? request() : bearer(token)))).code;
    expect(await code()).toBe('auth.introspection_missing');
    expect(await code('has spaces"quote')).toBe('auth.introspection_malformed');
    expect(await code('x'.repeat(5000))).toBe('auth.introspection_malformed');
    expect(await code('tok-revoked')).toBe('auth.introspection_inactive');
    expect(await code('tok-noclaim')).toBe('auth.introspection_claim_missing');
    expect(await code('tok-stranger')).toBe('auth.introspection_unknown_consumer');
    // Nothing was asked for the malformed ones.
    expect([...as.calls.keys()].sort()).toEqual(['tok-noclaim', 'tok-revoked', 'tok-stranger']);
  });

  it('inactive answers are cached for negative_cache_ttl; a token whose exp passed is inactive even if the server says active', async () => {
    const p = compile();
    await decided(p.evaluate(bearer('tok-revoked')));
    expect(await decided(p.evaluate(bearer('tok-revoked')))).toMatchObject({ code: 'auth.introspection_inactive', data: { cached: true, reason: 'the authorization server says the token is not active' } });
    expect(as.calls.get('tok-revoked')).toBe(1);
    as.tokens.set('tok-old', { active: true, client_id: 'app-alice', exp: Math.floor(Date.now() / 1000) - 10 });
    expect(await decided(p.evaluate(bearer('tok-old')))).toMatchObject({ code: 'auth.introspection_inactive', data: { reason: 'the token has expired' } });
  });

  it('the cache never serves a result past the token\'s exp', async () => {
    const p = compile({ cache_ttl: '1h' });
    as.tokens.set('tok-short', { active: true, client_id: 'app-alice', exp: Math.floor(Date.now() / 1000) + 1 });
    expect(await decided(p.evaluate(bearer('tok-short')))).toMatchObject({ outcome: 'allow' });
    await new Promise((r) => setTimeout(r, 2100));
    expect(await decided(p.evaluate(bearer('tok-short')))).toMatchObject({ code: 'auth.introspection_inactive', data: { reason: 'the token has expired' } });
  });

  it('concurrent requests with one token share one introspection call; the cache is bounded', async () => {
    as.delayMs = 100;
    const p = compile({ cache_max_entries: 2 });
    const all = await Promise.all(Array.from({ length: 5 }, () => decided(p.evaluate(bearer('tok-alice')))));
    expect(all.every((d) => d.outcome === 'allow')).toBe(true);
    expect(as.calls.get('tok-alice')).toBe(1);
    as.delayMs = 0;
    for (const t of ['t-1', 't-2', 't-3']) as.tokens.set(t, { active: true, client_id: 'app-alice', exp: inAnHour() });
    for (const t of ['t-1', 't-2', 't-3']) await decided(p.evaluate(bearer(t)));
    // tok-alice was the least recently used of four entries in a cache of two: asked again.
    await decided(p.evaluate(bearer('tok-alice')));
    expect(as.calls.get('tok-alice')).toBe(2);
  });

  it('consumer_claim and scopes_claim pick other members; default_consumer takes unknown holders', async () => {
    as.tokens.set('tok-user', { active: true, username: 'app-alice', roles: ['admin', 'ops'], exp: inAnHour() });
    const r = bearer('tok-user');
    expect(await decided(compile({ consumer_claim: 'username', scopes_claim: 'roles' }).evaluate(r))).toMatchObject({ outcome: 'allow', data: { username: 'app-alice' } });
    expect(r.credential?.scopes).toEqual(['admin', 'ops']);
    const s = bearer('tok-stranger');
    expect(await decided(compile({ default_consumer: 'guest' }).evaluate(s))).toMatchObject({ outcome: 'allow', data: { default_consumer: true } });
    expect(s.consumer).toEqual(guest);
  });

  it('an endpoint that is down, answers 500, or refuses Sluice\'s credentials: 503 with its own code (fail closed), or fail open', async () => {
    const down = oauth2Introspection.compile(
      { endpoint: `http://127.0.0.1:${await closedPort()}/introspect`, client_id: CLIENT.id, client_secret: `plain:${CLIENT.secret}` },
      compileContext({ consumers: [alice, guest], http: fetchClient }),
    );
    expect(await decided(down.evaluate(bearer('tok-alice')))).toMatchObject({ outcome: 'deny', code: 'auth.introspection_unavailable', headers: { 'retry-after': '5' }, data: { fail_open: false } });
    as.failWith = 500;
    expect(await decided(compile().evaluate(bearer('tok-alice')))).toMatchObject({ code: 'auth.introspection_unavailable', data: { error: 'introspection endpoint answered 500' } });
    as.failWith = undefined;
    expect(await decided(compile({ client_secret: 'plain:wrong' }).evaluate(bearer('tok-alice')))).toMatchObject({ code: 'auth.introspection_unavailable', data: { error: 'introspection endpoint answered 401' } });
    const open = compile({ client_secret: 'plain:wrong', fail_open: true, anonymous: 'guest' });
    const r = bearer('tok-alice');
    expect(await decided(open.evaluate(r))).toMatchObject({ outcome: 'allow', code: 'auth.failed_open' });
    expect(r.consumer).toEqual({ ...guest, anonymous: true });
  });

  it('the simulator asks the endpoint but fills no cache', async () => {
    const p = compile();
    expect(await decided(p.evaluate(request({ headers: { authorization: 'Bearer tok-alice' }, dryRun: true })))).toMatchObject({ outcome: 'allow', data: { introspection: 'dry run: asked, not cached' } });
    expect(await decided(p.evaluate(bearer('tok-alice')))).toMatchObject({ data: { cached: false } });
    expect(as.calls.get('tok-alice')).toBe(2);
  });

  it('refuses an unopenable client secret at compile time, naming the field', () => {
    expect(() => compile({ client_secret: 'env:SLUICE_NO_SUCH_VARIABLE' })).toThrow(/client_secret: names environment variable SLUICE_NO_SUCH_VARIABLE, which is not set/);
  });
});

describe('oauth2-introspection through the gateway', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  let downPort: number;

  beforeAll(async () => {
    up = await startUpstream();
    downPort = await closedPort();
    const introspection = { endpoint: as.url, client_id: CLIENT.id, client_secret: `plain:${CLIENT.secret}` };
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      consumers: [{ id: 'alice', groups: ['staff'], credentials: [{ id: 'alice-app', type: 'oauth2-introspection', subject: 'app-alice' }] }, { id: 'guest', groups: ['public'] }],
      routes: [
        { id: 'orders', service: 'svc', paths: ['/orders'], policies: [{ name: 'oauth2-introspection', config: introspection }, { name: 'scopes', config: { rules: [{ methods: ['POST'], scopes: ['orders:admin'] }] } }] },
        { id: 'down', service: 'svc', paths: ['/down'], policies: [{ name: 'oauth2-introspection', config: { ...introspection, endpoint: `http://127.0.0.1:${downPort}/introspect`, timeout: '1s' } }] },
        { id: 'public', service: 'svc', paths: ['/public'], policies: [{ name: 'oauth2-introspection', config: { ...introspection, anonymous: 'guest' } }, { name: 'acl', config: { deny_consumers: ['guest'] } }] },
        { id: 'shadow', service: 'svc', paths: ['/shadow'], policies: [{ name: 'oauth2-introspection', mode: 'shadow', config: introspection }] },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const get = (path: string, token?: string, method = 'GET') => call(`${gw.url}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const entry = async (r: SimpleResponse) =>
    (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ entries: { policy?: { name: string }; outcome: string; code?: string; enforced?: boolean; data?: Record<string, unknown> }[] }>().entries.find((e) => e.policy?.name === 'oauth2-introspection');

  it('forwards a request with an active token, with the consumer headers; the second one is answered from the cache', async () => {
    const r = await get('/orders', 'tok-alice');
    expect(r.status).toBe(200);
    expect(up.seen.at(-1)!.headers['x-consumer-id']).toBe('alice');
    expect(await entry(r)).toMatchObject({ outcome: 'allow', data: { cached: false, client_id: 'app-alice' } });
    const again = await get('/orders', 'tok-alice');
    expect(await entry(again)).toMatchObject({ data: { cached: true } });
  });

  it('scopes come from the introspection `scope`: a missing one is 403 insufficient_scope', async () => {
    const r = await get('/orders', 'tok-alice', 'POST');
    expect(r.status).toBe(403);
    expect(r.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="orders:admin"');
    expect(r.json()).toMatchObject({ code: 'scope.insufficient', detail: 'Insufficient scope for orders:admin' });
  });

  it('401 auth.introspection_missing', async () => {
    expectGolden('auth/oauth2-introspection-401-missing', await get('/orders'));
  });

  it('401 auth.introspection_malformed', async () => {
    expectGolden('auth/oauth2-introspection-401-malformed', await call(`${gw.url}/orders`, { headers: { authorization: 'Bearer not a token' } }));
  });

  it('401 auth.introspection_inactive (active: false)', async () => {
    const r = await get('/orders', 'tok-revoked');
    expectGolden('auth/oauth2-introspection-401-inactive', r);
    expect(await entry(r)).toMatchObject({ data: { reason: 'the authorization server says the token is not active' } });
  });

  it('401 auth.introspection_claim_missing', async () => {
    expectGolden('auth/oauth2-introspection-401-claim-missing', await get('/orders', 'tok-noclaim'));
  });

  it('401 auth.introspection_unknown_consumer', async () => {
    expectGolden('auth/oauth2-introspection-401-unknown-consumer', await get('/orders', 'tok-stranger'));
  });

  it('503 auth.introspection_unavailable when the endpoint is unreachable (fail closed)', async () => {
    const r = await get('/down', 'tok-alice');
    expectGolden('auth/oauth2-introspection-503-unavailable', r);
    expect(await entry(r)).toMatchObject({ code: 'auth.introspection_unavailable', data: { endpoint: `http://127.0.0.1:${downPort}`, fail_open: false } });
  });

  it('anonymous: no token → the anonymous consumer, which acl deny_consumers still refuses; an inactive token is never anonymous', async () => {
    expect((await get('/public')).json()).toMatchObject({ code: 'acl.denied', detail: 'Consumer "guest" may not use this route.' });
    expect((await get('/public', 'tok-revoked')).json()).toMatchObject({ code: 'auth.introspection_inactive' });
    expect((await get('/public', 'tok-alice')).status).toBe(200);
  });

  it('shadow mode records and forwards', async () => {
    const r = await get('/shadow', 'tok-revoked');
    expect(r.status).toBe(200);
    expect(await entry(r)).toMatchObject({ outcome: 'deny', code: 'auth.introspection_inactive', enforced: false });
  });

  it('the simulator explains each code', async () => {
    for (const [path, token, status, code] of [
      ['/orders', undefined, 401, 'auth.introspection_missing'],
      ['/orders', 'bad token', 401, 'auth.introspection_malformed'],
      ['/orders', 'tok-revoked', 401, 'auth.introspection_inactive'],
      ['/orders', 'tok-noclaim', 401, 'auth.introspection_claim_missing'],
      ['/orders', 'tok-stranger', 401, 'auth.introspection_unknown_consumer'],
      ['/down', 'tok-alice', 503, 'auth.introspection_unavailable'],
    ] as const) {
      const sim = (await call(`${gw.admin}/simulate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'GET', path, headers: token ? { authorization: `Bearer ${token}` } : {} }) })).json();
      expect(sim, code).toMatchObject({ outcome: 'denied', response: { status, body: { code } }, trace: { decidedBy: { name: 'oauth2-introspection' } } });
    }
  });
});
