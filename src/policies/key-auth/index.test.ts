import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../test-support/upstream.js';
import { compileContext, decided, request } from '../_auth/testing.js';
import { generateKey, hashKey, keyAuth, rotateKey } from './index.js';
import type { KeyAuthConfig } from './schema.js';

const alice = { id: 'alice', groups: ['staff'] };
const guest = { id: 'guest', groups: ['public'] };
const A = generateKey();
const OLD = generateKey();

function compile(config: KeyAuthConfig, credentials: Record<string, unknown>[] = [{ id: 'alice-key', type: 'key-auth', consumer: 'alice', key_hash: A.hash, scopes: ['read'] }]) {
  return keyAuth.compile(config, compileContext({ consumers: [alice, guest], credentials: credentials as never }));
}

describe('key-auth credential helpers', () => {
  it('generates high-entropy keys and stores only their SHA-256', () => {
    const k = generateKey();
    expect(k.key).toMatch(/^sluice_[A-Za-z0-9_-]{43}$/);
    expect(k.hash).toBe(hashKey(k.key));
    expect(k.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(k.hash).not.toContain(k.key);
    expect(k.hint).toBe(`…${k.key.slice(-4)}`);
    expect(generateKey().key).not.toBe(k.key);
  });

  it('rotation keeps the old hash valid until the overlap ends', () => {
    const until = new Date('2031-01-01T00:00:00Z');
    const r = rotateKey({ key_hash: A.hash }, until);
    expect(r.fields).toEqual({ key_hash: hashKey(r.key), hint: r.hint, previous_key_hash: A.hash, previous_expires_at: '2031-01-01T00:00:00.000Z' });
  });
});

describe('key-auth decision logic', () => {
  it('accepts a known key from X-Api-Key, sets consumer and credential (with scopes), strips the key upstream', async () => {
    const req = request({ headers: { 'x-api-key': A.key } });
    const d = await decided(compile({}).evaluate(req));
    expect(d).toMatchObject({ outcome: 'allow', data: { source: 'header x-api-key', consumer: 'alice', credential: 'alice-key' } });
    expect(req.consumer).toEqual(alice);
    expect(req.credential).toEqual({ id: 'alice-key', type: 'key-auth', scopes: ['read'] });
    expect(req.edits.removed.has('x-api-key')).toBe(true);
    expect(req.edits.set.get('x-consumer-id')).toBe('alice');
    expect(JSON.stringify(d)).not.toContain(A.key);
  });

  it('accepts Authorization: Bearer and strips that header', async () => {
    const req = request({ headers: { authorization: `Bearer ${A.key}` } });
    expect(await decided(compile({}).evaluate(req))).toMatchObject({ outcome: 'allow', data: { source: 'header authorization (Bearer)' } });
    expect(req.edits.removed.has('authorization')).toBe(true);
  });

  it('tells missing, malformed, unknown, expired and disabled apart', async () => {
    const creds = [
      { id: 'exp', type: 'key-auth', consumer: 'alice', key_hash: hashKey('expired-key-123'), expires_at: '2020-01-01T00:00:00Z' },
      { id: 'off', type: 'key-auth', consumer: 'alice', key_hash: hashKey('disabled-key-123'), disabled: true },
    ];
    const p = compile({}, creds);
    const code = async (headers: Record<string, string | string[]>) => (await decided(p.evaluate(request({ headers })))).code;
    expect(await code({})).toBe('auth.key_missing');
    expect(await code({ 'x-api-key': 'short' })).toBe('auth.key_malformed');
    expect(await code({ 'x-api-key': 'has a space in it' })).toBe('auth.key_malformed');
    expect(await code({ 'x-api-key': ['k1-aaaaaaaa', 'k2-bbbbbbbb'] })).toBe('auth.key_malformed');
    expect(await code({ 'x-api-key': 'never-issued-key' })).toBe('auth.key_unknown');
    expect(await code({ 'x-api-key': 'expired-key-123' })).toBe('auth.key_expired');
    expect(await code({ 'x-api-key': 'disabled-key-123' })).toBe('auth.key_disabled');
  });

  it('a missing key answers 401 with a Key challenge naming the realm', async () => {
    const d = await decided(compile({ realm: 'orders' }).evaluate(request()));
    expect(d).toMatchObject({ outcome: 'deny', code: 'auth.key_missing', headers: { 'www-authenticate': 'Key realm="orders"' }, data: { presented: false } });
  });

  it('rotation: the previous key works until previous_expires_at, then is refused as expired', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const p = compile({}, [
      { id: 'rot', type: 'key-auth', consumer: 'alice', key_hash: A.hash, previous_key_hash: OLD.hash, previous_expires_at: future },
      { id: 'rot2', type: 'key-auth', consumer: 'alice', key_hash: hashKey('new-key-of-rot2'), previous_key_hash: hashKey('old-key-of-rot2'), previous_expires_at: '2020-01-01T00:00:00Z' },
    ]);
    expect(await decided(p.evaluate(request({ headers: { 'x-api-key': OLD.key } })))).toMatchObject({ outcome: 'allow', data: { rotated: true, credential: 'rot' } });
    expect(await decided(p.evaluate(request({ headers: { 'x-api-key': A.key } })))).toMatchObject({ outcome: 'allow', data: { credential: 'rot' } });
    expect(await decided(p.evaluate(request({ headers: { 'x-api-key': 'old-key-of-rot2' } })))).toMatchObject({
      code: 'auth.key_expired',
      detail: 'The API key was replaced; the old key stopped working at 2020-01-01T00:00:00.000Z.',
    });
  });

  it('query and body sources are opt-in, and the key is removed from what is forwarded', async () => {
    const q = request({ query: `a=1&api_key=${A.key}&b=2` });
    expect(await decided(compile({}).evaluate(q))).toMatchObject({ code: 'auth.key_missing' });
    expect(await decided(compile({ query: ['api_key'] }).evaluate(q))).toMatchObject({ outcome: 'allow', data: { source: 'query api_key' } });
    expect(q.edits.query).toBe('a=1&b=2');
    const b = request({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ api_key: A.key, model: 'x' }) });
    expect(await decided(compile({ body_field: 'api_key' }).evaluate(b))).toMatchObject({ outcome: 'allow', data: { source: 'body field api_key' } });
    expect(JSON.parse(Buffer.from(b.edits.body!).toString())).toEqual({ model: 'x' });
  });

  it('strip_credential: false forwards the key', async () => {
    const req = request({ headers: { 'x-api-key': A.key } });
    await decided(compile({ strip_credential: false }).evaluate(req));
    expect(req.edits.removed.has('x-api-key')).toBe(false);
  });

  it('anonymous: no key → the anonymous consumer, marked anonymous, with its own groups; a bad key is still refused', async () => {
    const p = compile({ anonymous: 'guest' });
    const req = request();
    expect(await decided(p.evaluate(req))).toMatchObject({ outcome: 'allow', code: 'auth.anonymous' });
    expect(req.consumer).toEqual({ id: 'guest', groups: ['public'], anonymous: true });
    expect(req.edits.set.get('x-anonymous-consumer')).toBe('true');
    expect(await decided(p.evaluate(request({ headers: { 'x-api-key': 'never-issued-key' } })))).toMatchObject({ code: 'auth.key_unknown' });
  });

  it('two auth policies on a route must agree on the consumer', async () => {
    const req = request({ headers: { 'x-api-key': A.key }, consumer: { id: 'someone-else', groups: [] } });
    expect(await decided(compile({}).evaluate(req))).toMatchObject({ outcome: 'deny', code: 'auth.consumer_mismatch', data: { authenticated_before: 'someone-else' } });
  });

  it('refuses configs that could not work', () => {
    expect(() => compile({ anonymous: 'nobody' })).toThrow(/anonymous: no consumer with id "nobody"/);
    expect(() => compile({ headers: [], bearer: false })).toThrow(/the key can be found nowhere/);
    expect(() =>
      compile({}, [
        { id: 'k1', type: 'key-auth', consumer: 'alice', key_hash: A.hash },
        { id: 'k2', type: 'key-auth', consumer: 'guest', key_hash: A.hash },
      ]),
    ).toThrow(/"k1" and "k2" have the same key/);
    expect(() => compile({}, [{ id: 'k1', type: 'key-auth', consumer: 'alice', key_hash: A.hash, previous_key_hash: OLD.hash }])).toThrow(/previous_key_hash needs previous_expires_at/);
  });
});

describe('key-auth through the gateway', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  const future = new Date(Date.now() + 86_400_000).toISOString();

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      consumers: [
        { id: 'alice', groups: ['staff'], credentials: [{ id: 'alice-key', type: 'key-auth', key_hash: A.hash, hint: A.hint, scopes: ['read'], previous_key_hash: OLD.hash, previous_expires_at: future }] },
        { id: 'bob', credentials: [{ id: 'bob-key', type: 'key-auth', key_hash: hashKey('bob-expired-key'), expires_at: '2020-01-01T00:00:00Z' }] },
        { id: 'carol', credentials: [{ id: 'carol-key', type: 'key-auth', key_hash: hashKey('carol-disabled-key'), disabled: true }] },
        { id: 'guest', groups: ['public'] },
      ],
      routes: [
        { id: 'keys', service: 'svc', paths: ['/keys'], policies: [{ name: 'key-auth' }] },
        { id: 'query', service: 'svc', paths: ['/query'], strip_path: true, policies: [{ name: 'key-auth', config: { headers: [], bearer: false, query: ['api_key'] } }] },
        { id: 'staff-only', service: 'svc', paths: ['/staff'], policies: [{ name: 'key-auth', config: { anonymous: 'guest' } }, { name: 'acl', config: { allow: ['staff'] } }] },
        { id: 'shadow', service: 'svc', paths: ['/shadow'], policies: [{ name: 'key-auth', mode: 'shadow' }] },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const traceOf = async (id: string) => (await call(`${gw.admin}/traces/${id}`)).json<{ consumerId?: string; credentialId?: string; entries: { policy?: { name: string }; outcome: string; code?: string; enforced?: boolean; data?: Record<string, unknown> }[] }>();

  it('forwards a request with a valid key: consumer headers upstream, the key stripped', async () => {
    const r = await call(`${gw.url}/keys`, { headers: { 'x-api-key': A.key, 'x-consumer-id': 'forged' } });
    expect(r.status).toBe(200);
    const seen = up.seen.at(-1)!;
    expect(seen.headers['x-api-key']).toBeUndefined();
    expect(seen.headers['x-consumer-id']).toBe('alice');
    expect(seen.headers['x-credential-id']).toBe('alice-key');
    const t = await traceOf(r.headers['x-request-id'] as string);
    expect(t).toMatchObject({ consumerId: 'alice', credentialId: 'alice-key' });
    expect(JSON.stringify(t)).not.toContain(A.key);
  });

  it('401 auth.key_missing with WWW-Authenticate', async () => {
    expectGolden('auth/key-auth-401-missing', await call(`${gw.url}/keys`));
  });

  it('401 auth.key_malformed', async () => {
    expectGolden('auth/key-auth-401-malformed', await call(`${gw.url}/keys`, { headers: { 'x-api-key': 'short' } }));
  });

  it('401 auth.key_unknown, and the trace never holds the key', async () => {
    const r = await call(`${gw.url}/keys`, { headers: { 'x-api-key': 'sluice_not-a-key-we-issued' } });
    expectGolden('auth/key-auth-401-unknown', r);
    expect(JSON.stringify(await traceOf(r.headers['x-request-id'] as string))).not.toContain('sluice_not-a-key-we-issued');
  });

  it('401 auth.key_expired', async () => {
    expectGolden('auth/key-auth-401-expired', await call(`${gw.url}/keys`, { headers: { 'x-api-key': 'bob-expired-key' } }));
  });

  it('401 auth.key_disabled', async () => {
    expectGolden('auth/key-auth-401-disabled', await call(`${gw.url}/keys`, { headers: { authorization: 'Bearer carol-disabled-key' } }));
  });

  it('rotation overlap: the previous key still works', async () => {
    const r = await call(`${gw.url}/keys`, { headers: { 'x-api-key': OLD.key } });
    expect(r.status).toBe(200);
    expect((await traceOf(r.headers['x-request-id'] as string)).entries.find((e) => e.policy?.name === 'key-auth')?.data).toMatchObject({ rotated: true, hint: A.hint });
  });

  it('a key in the query is removed before forwarding, keeping strip_path and the other parameters', async () => {
    const r = await call(`${gw.url}/query/items?x=1&api_key=${encodeURIComponent(A.key)}&y=2`);
    expect(r.status).toBe(200);
    expect(up.seen.at(-1)!.url).toBe('/items?x=1&y=2');
  });

  it('anonymous fallback: the anonymous consumer is marked and judged by its own groups, so acl still denies it (Kong #5236)', async () => {
    const r = await call(`${gw.url}/staff`);
    expect(r.status).toBe(403);
    expect(r.json()).toMatchObject({ code: 'acl.not_allowed', policy: { name: 'acl' } });
    const t = await traceOf(r.headers['x-request-id'] as string);
    expect(t.consumerId).toBe('guest');
    expect(t.entries.find((e) => e.policy?.name === 'key-auth')).toMatchObject({ outcome: 'allow', code: 'auth.anonymous' });
    expect(t.entries.find((e) => e.policy?.name === 'acl')?.data).toMatchObject({ consumer: 'guest', groups: ['public'], anonymous: true });
    expect((await call(`${gw.url}/staff`, { headers: { 'x-api-key': A.key } })).status).toBe(200);
    expect((await call(`${gw.url}/staff`, { headers: { 'x-api-key': 'sluice_not-a-key-we-issued' } })).json()).toMatchObject({ code: 'auth.key_unknown' });
  });

  it('shadow mode records the denial and lets the request through', async () => {
    const r = await call(`${gw.url}/shadow`);
    expect(r.status).toBe(200);
    const t = await traceOf(r.headers['x-request-id'] as string);
    expect(t.entries.find((e) => e.policy?.name === 'key-auth')).toMatchObject({ outcome: 'deny', code: 'auth.key_missing', enforced: false });
  });

  it('the simulator explains each denial without sending anything', async () => {
    const before = up.seen.length;
    for (const [headers, code] of [
      [{}, 'auth.key_missing'],
      [{ 'x-api-key': 'short' }, 'auth.key_malformed'],
      [{ 'x-api-key': 'sluice_unknown-key' }, 'auth.key_unknown'],
      [{ 'x-api-key': 'bob-expired-key' }, 'auth.key_expired'],
      [{ 'x-api-key': 'carol-disabled-key' }, 'auth.key_disabled'],
    ] as const) {
      const sim = (await call(`${gw.admin}/simulate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'GET', path: '/keys', headers }) })).json<{
        outcome: string;
        response: { status: number; headers: Record<string, string>; body: { code: string } };
        trace: { decidedBy: { name: string } };
      }>();
      expect(sim).toMatchObject({ outcome: 'denied', response: { status: 401, headers: { 'www-authenticate': 'Key realm="sluice"' }, body: { code } }, trace: { decidedBy: { name: 'key-auth' } } });
    }
    expect(up.seen.length).toBe(before);
  });

  it('refuses a malformed stored hash at config time, naming the field', async () => {
    const bad = await call(`${gw.admin}/config/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ consumers: [{ id: 'x', credentials: [{ id: 'x-key', type: 'key-auth', key_hash: 'plaintext-key' }] }] }),
    });
    expect(bad.status).toBe(422);
    expect(bad.json<{ errors: unknown }>().errors).toEqual([
      { path: 'consumers[0].credentials[0].key_hash', message: '"plaintext-key" must be "sha256:" followed by 64 lowercase hex digits (the SHA-256 of the key)' },
    ]);
  });
});
