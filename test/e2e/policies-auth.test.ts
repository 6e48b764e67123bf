import { createHash, createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../../src/policies/key-auth/index.js';
import { call, type SimpleResponse } from '../../src/test-support/gateway.js';
import { runCli, startSluiceProcess, type SluiceProcess } from '../../src/test-support/process.js';
import { echo, startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';

/**
 * The authentication catalogue in a real `sluice start` process: hmac-auth, oauth2-introspection
 * (against a real local authorization server) and key-auth behind multi-auth, with an anonymous
 * consumer that acl, scopes, rate-limit and concurrency-limit still judge correctly (Kong #5236).
 * `npm test` builds dist/ first.
 */
const HMAC_SECRET = 'alice-hmac-secret-of-at-least-32-bytes!!';
const ALICE_KEY = 'sluice_alice-e2e-key-0001';
const BOB_KEY = 'sluice_bob-e2e-key-0002';

function hmacHeaders(method: string, target: string, body?: string): Record<string, string> {
  const headers: Record<string, string> = { date: new Date().toUTCString() };
  const signed = ['@request-target', 'date'];
  if (body !== undefined) {
    headers['digest'] = `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
    headers['content-type'] = 'application/json';
    signed.push('digest');
  }
  const text = signed.map((h) => (h === '@request-target' ? `${h}: ${method.toLowerCase()} ${target}` : `${h}: ${headers[h]!}`)).join('\n');
  const signature = createHmac('sha256', HMAC_SECRET).update(text).digest('base64');
  return { ...headers, authorization: `Signature keyId="ak-alice",algorithm="hmac-sha256",headers="${signed.join(' ')}",signature="${signature}"` };
}

describe('authentication policies in a sluice process', () => {
  let dir: string;
  let up: TestUpstream;
  let as: TestUpstream;
  let p: SluiceProcess;
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-policies-auth-'));
    up = await startUpstream((req, res, body) => {
      if (req.url?.startsWith('/slots')) held.push(res);
      else echo(req, res, body);
    });
    // A real RFC 7662 endpoint: client sluice-gw / gw-secret (HTTP Basic).
    as = await startUpstream((req, res, body) => {
      const ok = req.headers.authorization === `Basic ${Buffer.from('sluice-gw:gw-secret').toString('base64')}`;
      const token = new URLSearchParams(body.toString()).get('token');
      const doc = !ok ? { error: 'invalid_client' } : token === 'opaque-bob' ? { active: true, client_id: 'app-bob', scope: 'catalog:read', exp: Math.floor(Date.now() / 1000) + 600 } : { active: false };
      const text = JSON.stringify(doc);
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
    const keyAuthAnon = { name: 'key-auth', config: { anonymous: 'guest' } };
    await writeFile(
      join(dir, 'sluice.yaml'),
      JSON.stringify({
        services: [{ id: 'svc', upstream: { targets: [up.url] } }],
        consumers: [
          {
            id: 'alice',
            groups: ['staff'],
            credentials: [
              { id: 'alice-key', type: 'key-auth', key_hash: hashKey(ALICE_KEY), scopes: ['catalog:read'] },
              { id: 'alice-hmac', type: 'hmac-auth', key_id: 'ak-alice', secret: 'env:E2E_ALICE_HMAC_SECRET' },
            ],
          },
          { id: 'bob', groups: ['partners'], credentials: [{ id: 'bob-key', type: 'key-auth', key_hash: hashKey(BOB_KEY) }, { id: 'bob-app', type: 'oauth2-introspection', subject: 'app-bob' }] },
          { id: 'guest', groups: ['public'] },
        ],
        routes: [
          {
            id: 'catalog',
            service: 'svc',
            paths: ['/catalog'],
            policies: [
              {
                name: 'multi-auth',
                config: {
                  anonymous: 'guest',
                  methods: [
                    { name: 'key-auth', config: { bearer: false } },
                    { name: 'hmac-auth' },
                    { name: 'oauth2-introspection', config: { endpoint: `${as.url}/introspect`, client_id: 'sluice-gw', client_secret: 'env:E2E_INTROSPECTION_SECRET' } },
                  ],
                },
              },
              { name: 'rate-limit', config: { limit: 3, window: '1h', key: 'consumer' } },
            ],
          },
          { id: 'staff', service: 'svc', paths: ['/staff'], policies: [keyAuthAnon, { name: 'acl', config: { allow: ['staff'] } }] },
          { id: 'no-guests', service: 'svc', paths: ['/no-guests'], policies: [keyAuthAnon, { name: 'acl', config: { deny_consumers: ['guest'] } }] },
          { id: 'write', service: 'svc', paths: ['/write'], policies: [keyAuthAnon, { name: 'scopes', config: { rules: [{ methods: ['POST'], scopes: ['catalog:write'] }] } }] },
          { id: 'slots', service: 'svc', paths: ['/slots'], policies: [{ name: 'key-auth' }, { name: 'concurrency-limit', config: { limit: 1, key: 'consumer' } }] },
        ],
      }),
    );
    p = await startSluiceProcess(['--config', join(dir, 'sluice.yaml'), '--data', join(dir, 'data')], { E2E_ALICE_HMAC_SECRET: HMAC_SECRET, E2E_INTROSPECTION_SECRET: 'gw-secret' });
  });
  afterAll(async () => {
    for (const res of held.splice(0)) res.end('ok');
    await p?.stop();
    await up.close();
    await as.close();
    await rm(dir, { recursive: true, force: true });
  });

  const trace = async (r: SimpleResponse) =>
    (await call(`${p.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ consumerId?: string; entries: { policy?: { name: string }; outcome: string; code?: string; data?: Record<string, unknown> }[] }>();

  it('multi-auth: a key, a signed request and an introspected token each authenticate; the trace names the method', async () => {
    const byKey = await call(`${p.proxy}/catalog`, { headers: { 'x-api-key': ALICE_KEY } });
    const body = '{"q":"books"}';
    const bySignature = await call(`${p.proxy}/catalog/search`, { method: 'POST', headers: hmacHeaders('POST', '/catalog/search', body), body });
    const byToken = await call(`${p.proxy}/catalog`, { headers: { authorization: 'Bearer opaque-bob' } });
    expect([byKey.status, bySignature.status, byToken.status]).toEqual([200, 200, 200]);
    expect(up.seen.at(-2)!.body.toString()).toBe(body);
    const methods = await Promise.all([byKey, bySignature, byToken].map(async (r) => ({ consumer: (await trace(r)).consumerId, method: (await trace(r)).entries.find((e) => e.policy?.name === 'multi-auth')?.data?.['method'] })));
    expect(methods).toEqual([{ consumer: 'alice', method: 'key-auth' }, { consumer: 'alice', method: 'hmac-auth' }, { consumer: 'bob', method: 'oauth2-introspection' }]);
  });

  it('multi-auth: an invalid credential is refused with its own code and never served as anonymous; `sluice explain` shows each method', async () => {
    const r = await call(`${p.proxy}/catalog`, { headers: { authorization: 'Bearer revoked-token' } });
    expect(r.status).toBe(401);
    expect(r.json()).toMatchObject({ code: 'auth.introspection_inactive', policy: { name: 'multi-auth' } });
    expect(r.headers['www-authenticate']).toBe('Bearer realm="sluice", error="invalid_token", error_description="The access token is not active.", Key realm="sluice", Signature realm="sluice", headers="@request-target date"');
    const out = await runCli(['explain', r.headers['x-request-id'] as string, '--admin', p.admin]);
    expect(out.stdout).toContain('auth.introspection_inactive');
    expect(out.stdout).toContain('"method":"key-auth","outcome":"deny","code":"auth.key_missing"');
    expect(out.stdout).toContain('"method":"hmac-auth","outcome":"deny","code":"auth.hmac_missing"');
  });

  it('the anonymous consumer has its own rate-limit budget, apart from authenticated consumers', async () => {
    const anon = [];
    for (let i = 0; i < 4; i++) anon.push((await call(`${p.proxy}/catalog`)).status);
    expect(anon).toEqual([200, 200, 200, 429]);
    const last = await call(`${p.proxy}/catalog`);
    expect(last.json()).toMatchObject({ code: 'rate.limited' });
    const t = await trace(last);
    expect(t.consumerId).toBe('guest');
    expect(t.entries.find((e) => e.policy?.name === 'rate-limit')?.data).toMatchObject({ key: 'consumer', partition: 'guest' });
    // bob has used one of his three above: two more, then refused; alice is unaffected by both.
    expect((await call(`${p.proxy}/catalog`, { headers: { 'x-api-key': BOB_KEY } })).status).toBe(200);
    expect((await call(`${p.proxy}/catalog`, { headers: { 'x-api-key': BOB_KEY } })).status).toBe(200);
    expect((await call(`${p.proxy}/catalog`, { headers: { 'x-api-key': BOB_KEY } })).status).toBe(429);
  });

  it('acl judges the anonymous consumer by its own groups and id: an allow list refuses it, a deny list refuses it', async () => {
    const notAllowed = await call(`${p.proxy}/staff`);
    expect(notAllowed.json()).toMatchObject({ code: 'acl.not_allowed' });
    expect((await trace(notAllowed)).entries.find((e) => e.policy?.name === 'acl')?.data).toMatchObject({ consumer: 'guest', groups: ['public'], anonymous: true });
    expect((await call(`${p.proxy}/no-guests`)).json()).toMatchObject({ code: 'acl.denied', detail: 'Consumer "guest" may not use this route.' });
    expect((await call(`${p.proxy}/no-guests`, { headers: { 'x-api-key': BOB_KEY } })).status).toBe(200);
    // A wrong key never becomes the anonymous consumer (which the deny list would then judge instead).
    expect((await call(`${p.proxy}/no-guests`, { headers: { 'x-api-key': 'sluice_wrong-key-000' } })).json()).toMatchObject({ code: 'auth.key_unknown' });
  });

  it('scopes: the anonymous consumer has no credential (401 scope.no_credential); a credential without the scope gets 403', async () => {
    const anon = await call(`${p.proxy}/write`, { method: 'POST' });
    expect(anon.status).toBe(401);
    expect(anon.json()).toMatchObject({ code: 'scope.no_credential' });
    const alice = await call(`${p.proxy}/write`, { method: 'POST', headers: { 'x-api-key': ALICE_KEY } });
    expect(alice.status).toBe(403);
    expect(alice.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="catalog:write"');
    expect(alice.json()).toMatchObject({ code: 'scope.insufficient', detail: 'Insufficient scope for catalog:write' });
  });

  it('concurrency-limit per consumer: one consumer\'s request in flight does not block another consumer', async () => {
    const first = call(`${p.proxy}/slots`, { headers: { 'x-api-key': ALICE_KEY } });
    const until = Date.now() + 5000;
    while (held.length < 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect((await call(`${p.proxy}/slots`, { headers: { 'x-api-key': ALICE_KEY } })).json()).toMatchObject({ code: 'concurrency.limited' });
    const bob = call(`${p.proxy}/slots`, { headers: { 'x-api-key': BOB_KEY } });
    while (held.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(held).toHaveLength(2);
    for (const res of held.splice(0)) res.end('ok');
    expect([(await first).status, (await bob).status]).toEqual([200, 200]);
  });
});
