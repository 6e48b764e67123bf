import { createHash, createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCounters } from '../../cluster/memory-counters.js';
import type { Counters } from '../../core/counters.js';
import { call, startGateway, type SimpleResponse, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { hasRedis, REDIS_URL } from '../../test-support/services.js';
import { closedPort, startUpstream, type TestUpstream } from '../../test-support/upstream.js';
import { compileContext, decided, request, type FakeRequestInit } from '../_auth/testing.js';
import { generateHmacSecret, hmacAuth, sealSecret } from './index.js';
import type { HmacAuthConfig } from './schema.js';

const SECRET = 'test-secret-of-at-least-thirty-two-bytes!!';
const alice = { id: 'alice', groups: ['staff'] };
const guest = { id: 'guest', groups: ['public'] };

/**
 * An independent client-side signer, written from the documented format (not from the policy's code):
 * one `name: value` line per signed header, joined by "\n"; the request target is `method path?query`.
 */
function sign(o: { method: string; target: string; headers: Record<string, string>; signed: string[]; keyId?: string; secret?: string; alg?: 'sha256' | 'sha384' | 'sha512' }): string {
  const alg = o.alg ?? 'sha256';
  const lines = o.signed.map((h) => (h === '@request-target' || h === '(request-target)' ? `${h}: ${o.method.toLowerCase()} ${o.target}` : `${h}: ${o.headers[h] ?? ''}`));
  const signature = createHmac(alg, o.secret ?? SECRET).update(lines.join('\n')).digest('base64');
  return `Signature keyId="${o.keyId ?? 'ak-alice'}",algorithm="hmac-${alg}",headers="${o.signed.join(' ')}",signature="${signature}"`;
}

const digest = (body: string) => `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
const httpDate = (offsetMs = 0) => new Date(Date.now() + offsetMs).toUTCString();

/** Headers of a signed request: date (and digest for a body), then the Authorization header. */
function signed(method: string, target: string, o: { body?: string; extra?: Record<string, string>; signed?: string[]; offsetMs?: number; secret?: string; keyId?: string; alg?: 'sha256' | 'sha384' | 'sha512' } = {}): Record<string, string> {
  const headers: Record<string, string> = { date: httpDate(o.offsetMs), ...(o.body !== undefined ? { digest: digest(o.body), 'content-type': 'application/json' } : {}), ...o.extra };
  const list = o.signed ?? ['@request-target', 'date', ...(o.body !== undefined ? ['digest'] : [])];
  return { ...headers, authorization: sign({ method, target, headers, signed: list, secret: o.secret, keyId: o.keyId, alg: o.alg }) };
}

const creds = [{ id: 'alice-hmac', type: 'hmac-auth', consumer: 'alice', key_id: 'ak-alice', secret: `plain:${SECRET}`, scopes: ['orders:read'] }];

function compile(config: HmacAuthConfig = {}, counters: Counters = new MemoryCounters(), credentials: Record<string, unknown>[] = creds) {
  return hmacAuth.compile(config, compileContext({ consumers: [alice, guest], credentials: credentials as never, services: { counters } }));
}

function req(method: string, path: string, headers: Record<string, string>, extra: Partial<FakeRequestInit> = {}) {
  const [p, q] = path.split('?');
  return request({ method, path: p, query: q ?? '', headers, ...extra });
}

describe('hmac-auth decision logic', () => {
  it.each(['sha256', 'sha384', 'sha512'] as const)('hmac-%s: a valid signature authenticates synchronously, strips the header, never records the secret', (alg) => {
    const r = req('GET', '/orders?id=7', signed('GET', '/orders?id=7', { alg }));
    const d = compile().evaluate(r);
    expect(d).not.toBeInstanceOf(Promise);
    expect(d).toMatchObject({ outcome: 'allow', data: { key_id: 'ak-alice', algorithm: `hmac-${alg}`, credential: 'alice-hmac', consumer: 'alice', replay_store: 'memory' } });
    expect(r.consumer).toEqual(alice);
    expect(r.credential).toEqual({ id: 'alice-hmac', type: 'hmac-auth', scopes: ['orders:read'] });
    expect(r.edits.removed.has('authorization')).toBe(true);
    expect(JSON.stringify(d)).not.toContain(SECRET);
  });

  it('tells missing, malformed, unknown key, clock skew and bad signature apart', async () => {
    const p = compile();
    const code = async (method: string, path: string, headers: Record<string, string>) => (await decided(p.evaluate(req(method, path, headers)))).code;
    expect(await code('GET', '/a', {})).toBe('auth.hmac_missing');
    expect(await code('GET', '/a', { authorization: 'Bearer abc' })).toBe('auth.hmac_missing');
    expect(await code('GET', '/a', { authorization: 'Signature nonsense' })).toBe('auth.hmac_malformed');
    expect(await code('GET', '/a', { authorization: 'Signature keyId="ak-alice",headers="date",signature="not base64!"' })).toBe('auth.hmac_malformed');
    expect(await code('GET', '/a', { authorization: 'Signature keyId="a",keyId="b",headers="date",signature="AAAA"' })).toBe('auth.hmac_malformed');
    expect(await code('GET', '/a', signed('GET', '/a', { signed: ['date'] }))).toBe('auth.hmac_malformed');
    expect(await code('GET', '/a', { ...signed('GET', '/a'), authorization: signed('GET', '/a').authorization!.replace('hmac-sha256', 'hmac-sha1') })).toBe('auth.hmac_malformed');
    expect(await code('GET', '/a', signed('GET', '/a', { keyId: 'ak-nobody' }))).toBe('auth.hmac_unknown_key');
    expect(await code('GET', '/a', signed('GET', '/a', { offsetMs: -301_000 }))).toBe('auth.hmac_clock_skew');
    expect(await code('GET', '/a', signed('GET', '/a', { offsetMs: 301_000 }))).toBe('auth.hmac_clock_skew');
    expect(await code('GET', '/a', signed('GET', '/a', { secret: 'another-secret-of-at-least-32-bytes-long' }))).toBe('auth.hmac_bad_signature');
    // The signature covers method, path and query.
    expect(await code('DELETE', '/a', signed('GET', '/a'))).toBe('auth.hmac_bad_signature');
    expect(await code('GET', '/b', signed('GET', '/a'))).toBe('auth.hmac_bad_signature');
    expect(await code('GET', '/a?admin=1', signed('GET', '/a'))).toBe('auth.hmac_bad_signature');
  });

  it('explains clock skew: by how much and which way', async () => {
    const d = await decided(compile().evaluate(req('GET', '/a', signed('GET', '/a', { offsetMs: -600_000 }))));
    expect(d).toMatchObject({ code: 'auth.hmac_clock_skew', detail: "The request's date is 10 minutes behind the gateway's clock; the allowed difference is 5 minutes." });
    expect(d.data).toMatchObject({ clock_skew_ms: 300_000 });
  });

  it('a replayed signature is refused within the window; a fresh one passes; the simulator only peeks', async () => {
    const p = compile();
    const headers = signed('GET', '/orders');
    expect(await decided(p.evaluate(req('GET', '/orders', headers, { dryRun: true })))).toMatchObject({ outcome: 'allow', data: { replay: 'checked, not recorded (dry run)' } });
    expect(await decided(p.evaluate(req('GET', '/orders', headers)))).toMatchObject({ outcome: 'allow' });
    expect(await decided(p.evaluate(req('GET', '/orders', headers)))).toMatchObject({ outcome: 'deny', code: 'auth.hmac_replay' });
    expect(await decided(p.evaluate(req('GET', '/orders', headers, { dryRun: true })))).toMatchObject({ code: 'auth.hmac_replay' });
    expect(await decided(p.evaluate(req('GET', '/orders', signed('GET', '/orders', { offsetMs: -1000 }))))).toMatchObject({ outcome: 'allow' });
    // Without replay protection the same signature is accepted again (until the date leaves the window).
    const lax = compile({ replay_protection: false });
    expect(await decided(lax.evaluate(req('GET', '/orders', headers)))).toMatchObject({ outcome: 'allow' });
    expect(await decided(lax.evaluate(req('GET', '/orders', headers)))).toMatchObject({ outcome: 'allow' });
  });

  it('a body must be covered by a signed Digest that matches it', async () => {
    const p = compile();
    const body = '{"qty":2}';
    const ok = await decided(p.evaluate(req('POST', '/orders', signed('POST', '/orders', { body }), { body })));
    expect(ok).toMatchObject({ outcome: 'allow', data: { digest: 'sha256', body_bytes: 9 } });
    expect(await decided(p.evaluate(req('POST', '/orders', signed('POST', '/orders', { body }), { body: '{"qty":200}' })))).toMatchObject({ code: 'auth.hmac_digest_mismatch' });
    const unsignedDigest = signed('POST', '/orders', { body, signed: ['@request-target', 'date'] });
    expect(await decided(p.evaluate(req('POST', '/orders', unsignedDigest, { body })))).toMatchObject({ code: 'auth.hmac_malformed', detail: 'A request with a body must sign a Digest header of the body.' });
    const tamperedDigest = { ...signed('POST', '/orders', { body }), digest: digest('{"qty":200}') };
    expect(await decided(p.evaluate(req('POST', '/orders', tamperedDigest, { body: '{"qty":200}' })))).toMatchObject({ code: 'auth.hmac_bad_signature' });
    // validate_body: false accepts an unsigned body.
    expect(await decided(compile({ validate_body: false }).evaluate(req('POST', '/orders', unsignedDigest, { body })))).toMatchObject({ outcome: 'allow' });
  });

  it('X-Date satisfies the date requirement (browsers cannot set Date); extra signed headers are checked too', async () => {
    const headers: Record<string, string> = { 'x-date': httpDate(), 'x-tenant': 'acme' };
    headers['authorization'] = sign({ method: 'GET', target: '/a', headers, signed: ['(request-target)', 'x-date', 'x-tenant'] });
    expect(await decided(compile().evaluate(req('GET', '/a', headers)))).toMatchObject({ outcome: 'allow' });
    expect(await decided(compile().evaluate(req('GET', '/a', { ...headers, 'x-tenant': 'other' })))).toMatchObject({ code: 'auth.hmac_bad_signature' });
    const { 'x-tenant': _dropped, ...without } = headers;
    expect(await decided(compile().evaluate(req('GET', '/a', without)))).toMatchObject({ code: 'auth.hmac_malformed', detail: 'The signed header x-tenant is not in the request.' });
    expect(await decided(compile({ signed_headers: ['@request-target', 'date', 'x-tenant'] }).evaluate(req('GET', '/a', signed('GET', '/a'))))).toMatchObject({ code: 'auth.hmac_malformed', detail: 'The signature must cover x-tenant.' });
  });

  it('anonymous: no signature → the anonymous consumer; a present but invalid signature is still refused', async () => {
    const p = compile({ anonymous: 'guest' });
    const r = req('GET', '/a', {});
    expect(await decided(p.evaluate(r))).toMatchObject({ outcome: 'allow', code: 'auth.anonymous' });
    expect(r.consumer).toEqual({ id: 'guest', groups: ['public'], anonymous: true });
    expect(await decided(p.evaluate(req('GET', '/a', signed('GET', '/a', { secret: 'wrong-secret-wrong-secret-wrong-secret!' }))))).toMatchObject({ code: 'auth.hmac_bad_signature' });
  });

  it('a replay cache that cannot be reached fails closed (503) by default, or open as configured', async () => {
    // A counters store whose every call fails, as the Redis one does when Redis is down.
    const down: Counters = { kind: 'redis', rate: () => Promise.reject(new Error('connect ECONNREFUSED')), quota: () => Promise.reject(new Error('down')), acquire: () => Promise.reject(new Error('down')), release: () => undefined };
    expect(await decided(compile({}, down).evaluate(req('GET', '/a', signed('GET', '/a'))))).toMatchObject({ outcome: 'deny', code: 'policy.unavailable', data: { failure_mode: 'closed' } });
    const open = await decided(compile({ replay_failure_mode: 'open' }, down).evaluate(req('GET', '/a', signed('GET', '/a'))));
    expect(open).toMatchObject({ outcome: 'allow', code: 'auth.hmac_replay_unchecked', data: { consumer: 'alice', failure_mode: 'open' } });
  });

  it('secrets: sealed under the master key, or from the environment; never in clear; too short or unopenable refuses the config', () => {
    const master = randomBytes(32).toString('base64url');
    const secret = generateHmacSecret();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const sealed = sealSecret(secret, master);
    expect(sealed).toMatch(/^enc:v1:[0-9a-f]{8}:/);
    expect(sealed).not.toContain(secret);
    const withSealed = [{ ...creds[0]!, secret: sealed }];
    process.env['SLUICE_MASTER_KEY'] = master;
    try {
      const headers = signed('GET', '/a', { secret });
      expect(compile({}, new MemoryCounters(), withSealed).evaluate(req('GET', '/a', headers))).toMatchObject({ outcome: 'allow' });
      process.env['SLUICE_HMAC_TEST_SECRET'] = secret;
      expect(compile({}, new MemoryCounters(), [{ ...creds[0]!, secret: 'env:SLUICE_HMAC_TEST_SECRET' }]).evaluate(req('GET', '/a', signed('GET', '/a', { secret })))).toMatchObject({ outcome: 'allow' });
      process.env['SLUICE_MASTER_KEY'] = randomBytes(32).toString('base64url');
      expect(() => compile({}, new MemoryCounters(), withSealed)).toThrow(/credential "alice-hmac": secret was sealed with master key [0-9a-f]{8}, but the configured master key is/);
    } finally {
      delete process.env['SLUICE_MASTER_KEY'];
      delete process.env['SLUICE_HMAC_TEST_SECRET'];
    }
    expect(() => compile({}, new MemoryCounters(), [{ ...creds[0]!, secret: 'plain:short' }])).toThrow(/at least 32 bytes/);
    expect(() => compile({}, new MemoryCounters(), [{ ...creds[0]!, secret: 'env:SLUICE_NOT_SET_ANYWHERE' }])).toThrow(/names environment variable SLUICE_NOT_SET_ANYWHERE, which is not set/);
    expect(() => compile({}, new MemoryCounters(), [creds[0]!, { ...creds[0]!, id: 'second' }])).toThrow(/"alice-hmac" and "second" have the same key_id/);
    expect(() => compile({ clock_skew: '10h' })).toThrow(/clock_skew: must be between 1s and 1h/);
    expect(() => compile({ signed_headers: ['@request-target'] })).toThrow(/signed_headers: must include date \(or x-date\)/);
  });
});

describe('hmac-auth through the gateway', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      consumers: [{ id: 'alice', groups: ['staff'], credentials: [creds.map(({ consumer: _c, ...c }) => c)[0]] }, { id: 'guest', groups: ['public'] }],
      routes: [
        { id: 'signed', service: 'svc', paths: ['/signed'], policies: [{ name: 'hmac-auth' }] },
        { id: 'open', service: 'svc', paths: ['/open'], policies: [{ name: 'hmac-auth', config: { anonymous: 'guest' } }, { name: 'acl', config: { deny: ['public'] } }] },
        { id: 'shadow', service: 'svc', paths: ['/shadow'], policies: [{ name: 'hmac-auth', mode: 'shadow' }] },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const traceOf = async (r: SimpleResponse) =>
    (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ consumerId?: string; entries: { policy?: { name: string }; outcome: string; code?: string; enforced?: boolean; data?: Record<string, unknown> }[] }>();
  const hmacEntry = async (r: SimpleResponse) => (await traceOf(r)).entries.find((e) => e.policy?.name === 'hmac-auth');
  // Volatile parts of an answer: the date-dependent offset in a detail.
  const get = (path: string, headers: Record<string, string>) => call(`${gw.url}${path}`, { headers });

  it('forwards a signed POST: body intact, Authorization stripped, consumer headers set', async () => {
    const body = '{"item":"book","qty":2}';
    const r = await call(`${gw.url}/signed/orders?x=1`, { method: 'POST', headers: signed('POST', '/signed/orders?x=1', { body }), body });
    expect(r.status).toBe(200);
    const seen = up.seen.at(-1)!;
    expect(seen.body.toString()).toBe(body);
    expect(seen.headers['authorization']).toBeUndefined();
    expect(seen.headers['x-consumer-id']).toBe('alice');
    expect(await hmacEntry(r)).toMatchObject({ outcome: 'allow', data: { key_id: 'ak-alice', credential: 'alice-hmac', digest: 'sha256', replay_store: 'memory' } });
  });

  it('401 auth.hmac_missing with a Signature challenge naming the headers to sign', async () => {
    expectGolden('auth/hmac-auth-401-missing', await get('/signed', {}));
  });

  it('401 auth.hmac_malformed', async () => {
    expectGolden('auth/hmac-auth-401-malformed', await get('/signed', { authorization: 'Signature keyId="ak-alice",signature="AAAA"' }));
  });

  it('401 auth.hmac_unknown_key', async () => {
    expectGolden('auth/hmac-auth-401-unknown-key', await get('/signed', signed('GET', '/signed', { keyId: 'ak-unknown' })));
  });

  it('401 auth.hmac_clock_skew', async () => {
    const r = await get('/signed', signed('GET', '/signed', { offsetMs: -3_600_000 }));
    expectGolden('auth/hmac-auth-401-clock-skew', r);
    expect(await hmacEntry(r)).toMatchObject({ code: 'auth.hmac_clock_skew', data: { clock_skew_ms: 300_000 } });
  });

  it('401 auth.hmac_bad_signature, and the trace never holds the secret', async () => {
    const r = await get('/signed?role=admin', signed('GET', '/signed'));
    expectGolden('auth/hmac-auth-401-bad-signature', r);
    expect(JSON.stringify(await traceOf(r))).not.toContain(SECRET);
  });

  it('401 auth.hmac_digest_mismatch', async () => {
    const r = await call(`${gw.url}/signed`, { method: 'POST', headers: signed('POST', '/signed', { body: '{"qty":1}' }), body: '{"qty":9}' });
    expectGolden('auth/hmac-auth-401-digest-mismatch', r);
  });

  it('401 auth.hmac_replay: the same signed request a second time', async () => {
    const headers = signed('GET', '/signed/replayed');
    expect((await get('/signed/replayed', headers)).status).toBe(200);
    const again = await get('/signed/replayed', headers);
    expectGolden('auth/hmac-auth-401-replay', again);
    expect(await hmacEntry(again)).toMatchObject({ code: 'auth.hmac_replay', data: { replay_store: 'memory' } });
  });

  it('anonymous fallback: unsigned requests are the anonymous consumer, and acl still denies its group', async () => {
    const r = await get('/open', {});
    expect(r.json()).toMatchObject({ code: 'acl.denied' });
    expect((await traceOf(r)).consumerId).toBe('guest');
    expect((await get('/open', signed('GET', '/open'))).status).toBe(200);
    expect((await get('/open', signed('GET', '/open', { keyId: 'ak-unknown' }))).json()).toMatchObject({ code: 'auth.hmac_unknown_key' });
  });

  it('shadow mode records the denial and forwards', async () => {
    const r = await get('/shadow', {});
    expect(r.status).toBe(200);
    expect(await hmacEntry(r)).toMatchObject({ outcome: 'deny', code: 'auth.hmac_missing', enforced: false });
  });

  it('the simulator explains each code, and checking a signature there does not use it up', async () => {
    const sim = async (method: string, path: string, headers: Record<string, string>, body?: string) =>
      (await call(`${gw.admin}/simulate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method, path, headers, ...(body !== undefined ? { body } : {}) }) })).json<{
        outcome: string;
        response: { status: number; body: { code: string } } | null;
        trace: { entries: { code?: string }[] };
      }>();
    const fresh = signed('GET', '/signed/sim');
    expect(await sim('GET', '/signed/sim', fresh)).toMatchObject({ outcome: 'forwarded' });
    expect((await get('/signed/sim', fresh)).status).toBe(200);
    for (const [headers, code, path, body] of [
      [{}, 'auth.hmac_missing', '/signed', undefined],
      [{ authorization: 'Signature x' }, 'auth.hmac_malformed', '/signed', undefined],
      [signed('GET', '/signed', { keyId: 'nobody' }), 'auth.hmac_unknown_key', '/signed', undefined],
      [signed('GET', '/signed', { offsetMs: 900_000 }), 'auth.hmac_clock_skew', '/signed', undefined],
      [signed('GET', '/elsewhere'), 'auth.hmac_bad_signature', '/signed', undefined],
      [signed('POST', '/signed', { body: 'a' }), 'auth.hmac_digest_mismatch', '/signed', 'b'],
      [fresh, 'auth.hmac_replay', '/signed/sim', undefined],
    ] as const) {
      const s = await sim(body === undefined ? 'GET' : 'POST', path, headers, body);
      expect(s, code).toMatchObject({ outcome: 'denied', response: { status: 401, body: { code } } });
    }
  });

  it('refuses a plain-text secret at config time, naming the field', async () => {
    const bad = await call(`${gw.admin}/config/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ consumers: [{ id: 'x', credentials: [{ id: 'x-hmac', type: 'hmac-auth', key_id: 'ak-x', secret: 'my-clear-secret-of-32-bytes-or-more!!' }] }] }),
    });
    expect(bad.status).toBe(422);
    expect(bad.json<{ errors: { path: string; message: string }[] }>().errors).toEqual([expect.objectContaining({ path: 'consumers[0].credentials[0].secret', message: expect.stringContaining('never stored in clear') })]);
  });
});

const redisUp = await hasRedis();

describe.skipIf(!redisUp)('hmac-auth replay cache shared through Redis', () => {
  let up: TestUpstream;
  let a: TestGateway;
  let b: TestGateway;
  const prefix = `sluice-test-hmac:${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    up = await startUpstream();
    const config = {
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      consumers: [{ id: 'alice', credentials: [{ id: 'alice-hmac', type: 'hmac-auth', key_id: 'ak-alice', secret: `plain:${SECRET}` }] }],
      routes: [{ id: 'signed', service: 'svc', paths: ['/signed'], policies: [{ name: 'hmac-auth' }] }],
    };
    const redisUrl = `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`;
    [a, b] = await Promise.all([startGateway(config, { redisUrl }), startGateway(config, { redisUrl })]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await up.close();
  });

  it('a signature accepted by one instance is refused as a replay by the other', async () => {
    const headers = signed('GET', '/signed/once');
    expect((await call(`${a.url}/signed/once`, { headers })).status).toBe(200);
    const replay = await call(`${b.url}/signed/once`, { headers });
    expect(replay.json()).toMatchObject({ code: 'auth.hmac_replay' });
    const t = (await call(`${b.admin}/traces/${replay.headers['x-request-id'] as string}`)).json<{ entries: { code?: string; data?: Record<string, unknown> }[] }>();
    expect(t.entries.find((e) => e.code === 'auth.hmac_replay')?.data).toMatchObject({ replay_store: 'redis' });
  });
});

describe('hmac-auth with an unreachable Redis', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway(
      {
        services: [{ id: 'svc', upstream: { targets: [up.url] } }],
        consumers: [{ id: 'alice', credentials: [{ id: 'alice-hmac', type: 'hmac-auth', key_id: 'ak-alice', secret: `plain:${SECRET}` }] }],
        routes: [
          { id: 'closed', service: 'svc', paths: ['/closed'], policies: [{ name: 'hmac-auth' }] },
          { id: 'open', service: 'svc', paths: ['/open'], policies: [{ name: 'hmac-auth', config: { replay_failure_mode: 'open' } }] },
        ],
      },
      { redisUrl: `redis://127.0.0.1:${await closedPort()}` },
    );
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('fails closed with 503 policy.unavailable by default; fail open accepts and says so in the trace', async () => {
    const closed = await call(`${gw.url}/closed`, { headers: signed('GET', '/closed') });
    expectGolden('auth/hmac-auth-503-replay-cache-unavailable', closed);
    const open = await call(`${gw.url}/open`, { headers: signed('GET', '/open') });
    expect(open.status).toBe(200);
    const t = (await call(`${gw.admin}/traces/${open.headers['x-request-id'] as string}`)).json<{ entries: { code?: string; data?: Record<string, unknown> }[] }>();
    expect(t.entries.find((e) => e.code === 'auth.hmac_replay_unchecked')?.data).toMatchObject({ store: 'redis', failure_mode: 'open', consumer: 'alice' });
  });
});
