import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyDefinition } from '../../core/policy.js';
import { call, startGateway, type SimpleResponse, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { closedPort, startUpstream, type TestUpstream } from '../../test-support/upstream.js';
import { acl } from '../acl/index.js';
import { compileContext, decided, request } from '../_auth/testing.js';
import { basicAuth, hashPassword } from '../basic-auth/index.js';
import { jwt } from '../jwt/index.js';
import { hashKey, keyAuth } from '../key-auth/index.js';
import { multiAuth } from './index.js';
import type { MultiAuthConfig } from './schema.js';

const SECRET = 'a-jwt-hmac-secret-of-at-least-thirty-two-bytes';
const KEY = 'sluice_alice-key-0001';
const alice = { id: 'alice', groups: ['staff'] };
const guest = { id: 'guest', groups: ['public'] };
const creds = [
  { id: 'alice-key', type: 'key-auth', consumer: 'alice', key_hash: hashKey(KEY) },
  { id: 'alice-jwt', type: 'jwt', consumer: 'alice', subject: 'user-alice' },
];
const token = (claims: Record<string, unknown> = {}, exp: string | number = '10m') =>
  new SignJWT({ sub: 'user-alice', ...claims }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(new TextEncoder().encode(SECRET));

const METHODS: MultiAuthConfig['methods'] = [{ name: 'key-auth', config: { bearer: false } }, { name: 'jwt', config: { keys: [{ secret: SECRET }] } }];

function compile(config: Partial<MultiAuthConfig> = {}, policies: readonly PolicyDefinition[] = [keyAuth, jwt, basicAuth, acl, multiAuth] as readonly PolicyDefinition[]) {
  return multiAuth.compile({ methods: METHODS, ...config }, compileContext({ consumers: [alice, guest], credentials: creds, policies }));
}

describe('multi-auth decision logic', () => {
  it('the first method that authenticates wins; the trace lists what each method said', async () => {
    const r = request({ headers: { authorization: `Bearer ${await token()}` } });
    const d = await decided(compile().evaluate(r));
    expect(d).toMatchObject({
      outcome: 'allow',
      data: { method: 'jwt', consumer: 'alice', methods: [{ method: 'key-auth', outcome: 'deny', code: 'auth.key_missing' }, { method: 'jwt', outcome: 'allow' }] },
    });
    expect(r.consumer).toEqual(alice);
    expect(r.credential?.id).toBe('alice-jwt');
    const k = request({ headers: { 'x-api-key': KEY } });
    expect(await decided(compile().evaluate(k))).toMatchObject({ outcome: 'allow', data: { method: 'key-auth', methods: [{ method: 'key-auth', outcome: 'allow' }] } });
  });

  it('no credential of any method: auth.credential_missing, with every scheme in WWW-Authenticate', async () => {
    const d = await decided(compile({ methods: [...METHODS, { name: 'basic-auth' }] }).evaluate(request()));
    expect(d).toMatchObject({
      outcome: 'deny',
      code: 'auth.credential_missing',
      detail: 'No credentials were sent. This route accepts key-auth, jwt or basic-auth.',
      headers: { 'www-authenticate': 'Key realm="sluice", Bearer realm="sluice", Basic realm="sluice", charset="UTF-8"' },
      data: { presented: false, methods: [{ code: 'auth.key_missing' }, { code: 'auth.jwt_missing' }, { code: 'auth.basic_missing' }] },
    });
  });

  it('a present but invalid credential beats "missing" of another method, whatever the order', async () => {
    const expired = await token({}, Math.floor(Date.now() / 1000) - 3600);
    const d = await decided(compile().evaluate(request({ headers: { authorization: `Bearer ${expired}` } })));
    expect(d).toMatchObject({ outcome: 'deny', code: 'auth.jwt_expired', data: { method: 'jwt', methods: [{ code: 'auth.key_missing' }, { code: 'auth.jwt_expired' }] } });
    // The chosen method's challenge (with its error) comes first, then the other schemes.
    expect((d as { headers: Record<string, string> }).headers['www-authenticate']).toMatch(/^Bearer realm="sluice", error="invalid_token", error_description="The token expired (60|61) minutes ago\.", Key realm="sluice"$/);
    const bad = await decided(compile().evaluate(request({ headers: { 'x-api-key': 'sluice_not-a-key-we-issued' } })));
    expect(bad).toMatchObject({ code: 'auth.key_unknown', headers: { 'www-authenticate': 'Key realm="sluice", Bearer realm="sluice"' } });
  });

  it('an invalid credential of one method does not stop a valid one of another', async () => {
    const r = request({ headers: { 'x-api-key': 'sluice_not-a-key-we-issued', authorization: `Bearer ${await token()}` } });
    expect(await decided(compile().evaluate(r))).toMatchObject({ outcome: 'allow', data: { method: 'jwt', methods: [{ code: 'auth.key_unknown' }, { outcome: 'allow' }] } });
  });

  it('a credential that could not be checked (503) is more relevant than an invalid or a missing one', async () => {
    const port = await closedPort();
    const p = compile({ methods: [{ name: 'key-auth', config: { bearer: false } }, { name: 'jwt', config: { jwks_url: `http://127.0.0.1:${port}/jwks` } }] });
    const d = await decided(p.evaluate(request({ headers: { 'x-api-key': 'sluice_not-a-key-we-issued', authorization: `Bearer ${await token()}` } })));
    // The test context has no HTTP client: the JWKS cannot be fetched.
    expect(d).toMatchObject({ outcome: 'deny', code: 'policy.unavailable', data: { method: 'jwt', methods: [{ code: 'auth.key_unknown' }, { code: 'policy.unavailable' }] } });
    expect((d as { headers: Record<string, string> }).headers['www-authenticate']).toBeUndefined();
  });

  it('anonymous: no credential at all → the anonymous consumer; an invalid one is refused (Kong #5236)', async () => {
    const p = compile({ anonymous: 'guest' });
    const r = request();
    expect(await decided(p.evaluate(r))).toMatchObject({ outcome: 'allow', code: 'auth.anonymous', data: { consumer: 'guest', anonymous: true } });
    expect(r.consumer).toEqual({ ...guest, anonymous: true });
    expect(r.edits.set.get('x-anonymous-consumer')).toBe('true');
    expect(await decided(p.evaluate(request({ headers: { 'x-api-key': 'sluice_not-a-key-we-issued' } })))).toMatchObject({ outcome: 'deny', code: 'auth.key_unknown' });
  });

  it('refuses configs that could not work, naming the field', () => {
    expect(() => compile({ methods: [{ name: 'nope' }] })).toThrow(/methods\[0\]\.name: unknown policy "nope"/);
    expect(() => compile({ methods: [{ name: 'acl', config: { allow: ['x'] } }] })).toThrow(/methods\[0\]\.name: acl is not an authentication policy \(its phase is authorize\)/);
    expect(() => compile({ methods: [{ name: 'jwt', config: { keys: [{ secret: SECRET }] } }, { name: 'jwt' }] })).toThrow(/methods\[1\]\.name: jwt is listed twice/);
    expect(() => compile({ methods: [{ name: 'multi-auth', config: { methods: [] } }] })).toThrow(/methods\[0\]\.name: multi-auth cannot contain itself/);
    expect(() => compile({ methods: [{ name: 'key-auth', config: { anonymous: 'guest' } }] })).toThrow(/methods\[0\]\.config\.anonymous: set anonymous on multi-auth itself/);
    expect(() => compile({ methods: [{ name: 'key-auth', config: { headers: 'x-api-key' } }] })).toThrow(/methods\[0\]\.config\.headers/);
    expect(() => compile({ methods: [{ name: 'jwt', config: {} }] })).toThrow(/methods\[0\]\.config: set "keys" or "jwks_url"/);
  });
});

describe('multi-auth through the gateway', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  let downPort: number;

  beforeAll(async () => {
    up = await startUpstream();
    downPort = await closedPort();
    const methods = [
      { name: 'key-auth' },
      { name: 'basic-auth' },
      { name: 'jwt', config: { keys: [{ secret: SECRET }] } },
    ];
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      consumers: [
        {
          id: 'alice',
          groups: ['staff'],
          credentials: [
            { id: 'alice-key', type: 'key-auth', key_hash: hashKey(KEY) },
            { id: 'alice-basic', type: 'basic-auth', username: 'alice', password_hash: await hashPassword('correct horse', { ln: 10, r: 8, p: 1 }) },
            { id: 'alice-jwt', type: 'jwt', subject: 'user-alice' },
          ],
        },
        { id: 'guest', groups: ['public'] },
        { id: 'bob', credentials: [{ id: 'bob-jwt', type: 'jwt', subject: 'user-bob' }] },
      ],
      routes: [
        { id: 'any', service: 'svc', paths: ['/any'], policies: [{ name: 'multi-auth', config: { methods } }] },
        // Without multi-auth, auth policies attached together must all pass and agree on the consumer.
        { id: 'both', service: 'svc', paths: ['/both'], policies: [{ name: 'key-auth', config: { bearer: false } }, { name: 'jwt', config: { keys: [{ secret: SECRET }] } }] },
        {
          id: 'idp-down',
          service: 'svc',
          paths: ['/idp-down'],
          policies: [{ name: 'multi-auth', config: { methods: [{ name: 'key-auth' }, { name: 'oauth2-introspection', config: { endpoint: `http://127.0.0.1:${downPort}/introspect`, client_id: 'gw', client_secret: 'plain:gw-secret', timeout: '1s' } }] } }],
        },
        { id: 'staff', service: 'svc', paths: ['/staff'], policies: [{ name: 'multi-auth', config: { methods, anonymous: 'guest' } }, { name: 'acl', config: { deny: ['public'] } }] },
        { id: 'shadow', service: 'svc', paths: ['/shadow'], policies: [{ name: 'multi-auth', mode: 'shadow', config: { methods } }] },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const entry = async (r: SimpleResponse) =>
    (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ consumerId?: string; entries: { policy?: { name: string; id: string }; outcome: string; code?: string; enforced?: boolean; data?: Record<string, unknown> }[] }>();

  it('each method authenticates on its own: API key, HTTP Basic (asynchronous scrypt), JWT', async () => {
    const each: Record<string, string>[] = [{ 'x-api-key': KEY }, { authorization: `Basic ${Buffer.from('alice:correct horse').toString('base64')}` }, { authorization: `Bearer ${await token()}` }];
    for (const headers of each) {
      const r = await call(`${gw.url}/any`, { headers });
      expect(r.status).toBe(200);
      expect(up.seen.at(-1)!.headers['x-consumer-id']).toBe('alice');
      expect((await entry(r)).consumerId).toBe('alice');
    }
  });

  it('401 auth.credential_missing lists every scheme', async () => {
    const r = await call(`${gw.url}/any`);
    expectGolden('auth/multi-auth-401-credential-missing', r);
    const e = (await entry(r)).entries.find((x) => x.policy?.name === 'multi-auth');
    expect(e?.data?.['methods']).toEqual([
      { method: 'key-auth', outcome: 'deny', code: 'auth.key_missing', detail: 'No API key was sent. Send it in the x-api-key header or Authorization: Bearer.' },
      { method: 'basic-auth', outcome: 'deny', code: 'auth.basic_missing', detail: 'No credentials were sent. Use HTTP Basic authentication.' },
      { method: 'jwt', outcome: 'deny', code: 'auth.jwt_missing', detail: 'No bearer token was sent.' },
    ]);
  });

  it('a wrong password is what the client hears about, not the missing key or token', async () => {
    const r = await call(`${gw.url}/any`, { headers: { authorization: `Basic ${Buffer.from('alice:wrong').toString('base64')}` } });
    expectGolden('auth/multi-auth-401-invalid-beats-missing', r);
    expect(r.json()).toMatchObject({ code: 'auth.basic_invalid', policy: { name: 'multi-auth' } });
  });

  it('an unreachable introspection endpoint (503) is more relevant than a missing key', async () => {
    const r = await call(`${gw.url}/idp-down`, { headers: { authorization: 'Bearer opaque-token-123' } });
    expectGolden('auth/multi-auth-503-unavailable-beats-missing', r);
    const e = (await entry(r)).entries.find((x) => x.policy?.name === 'multi-auth');
    expect(e?.data).toMatchObject({ method: 'oauth2-introspection', methods: [{ code: 'auth.key_unknown' }, { code: 'auth.introspection_unavailable' }] });
  });

  it('anonymous fallback with acl: the anonymous consumer is refused by the deny list, a bad credential is never anonymous', async () => {
    const anon = await call(`${gw.url}/staff`);
    expect(anon.json()).toMatchObject({ code: 'acl.denied' });
    expect((await entry(anon)).consumerId).toBe('guest');
    expect((await call(`${gw.url}/staff`, { headers: { 'x-api-key': 'sluice_not-a-key-we-issued' } })).json()).toMatchObject({ code: 'auth.key_unknown' });
    expect((await call(`${gw.url}/staff`, { headers: { 'x-api-key': KEY } })).status).toBe(200);
  });

  it('separately attached auth policies are AND: both must pass, and credentials of two consumers are refused', async () => {
    expect((await call(`${gw.url}/both`, { headers: { 'x-api-key': KEY } })).json()).toMatchObject({ code: 'auth.jwt_missing' });
    expect((await call(`${gw.url}/both`, { headers: { 'x-api-key': KEY, authorization: `Bearer ${await token()}` } })).status).toBe(200);
    const r = await call(`${gw.url}/both`, { headers: { 'x-api-key': KEY, authorization: `Bearer ${await token({ sub: 'user-bob' })}` } });
    expectGolden('auth/auth-401-consumer-mismatch', r);
    expect((await entry(r)).entries.find((x) => x.code === 'auth.consumer_mismatch')?.data).toMatchObject({ consumer: 'bob', authenticated_before: 'alice' });
  });

  it('shadow mode records the refusal and forwards', async () => {
    const r = await call(`${gw.url}/shadow`);
    expect(r.status).toBe(200);
    expect((await entry(r)).entries.find((x) => x.policy?.name === 'multi-auth')).toMatchObject({ outcome: 'deny', code: 'auth.credential_missing', enforced: false });
  });

  it('the simulator explains the choice', async () => {
    const sim = (await call(`${gw.admin}/simulate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'GET', path: '/any' }) })).json();
    expect(sim).toMatchObject({ outcome: 'denied', response: { status: 401, body: { code: 'auth.credential_missing' } }, trace: { decidedBy: { name: 'multi-auth' } } });
  });

  it('a nested method config is validated with its exact field path', async () => {
    const bad = await call(`${gw.admin}/config/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ services: [{ id: 's', upstream: { targets: [up.url] } }], routes: [{ id: 'r', service: 's', paths: ['/r'], policies: [{ name: 'multi-auth', config: { methods: [{ name: 'key-auth' }, { name: 'jwt', config: { keys: [{ secret: SECRET }], leeway: 'soon' } }] } }] }] }),
    });
    expect(bad.status).toBe(422);
    expect(bad.json<{ errors: { path: string }[] }>().errors).toEqual([expect.objectContaining({ path: 'routes[0].policies[0].config.methods[1].config.leeway' })]);
  });
});
