import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../test-support/upstream.js';

/** ip-restriction attached to a consumer: its own lists, applied once key-auth identified it (phase authorize). */
describe('ip-restriction at consumer scope, with key-auth', () => {
  const key = { acme: 'acme-key-0000000000001', bob: 'bob-key-00000000000002' };
  const hash = (k: string) => `sha256:${createHash('sha256').update(k).digest('hex')}`;
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      gateway: { trusted_proxies: ['127.0.0.1'] },
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      routes: [{ id: 'api', service: 'svc', paths: ['/api'], policies: [{ name: 'key-auth' }] }],
      consumers: [
        {
          id: 'acme',
          credentials: [{ id: 'acme-key', type: 'key-auth', key_hash: hash(key.acme) }],
          policies: [{ name: 'ip-restriction', config: { allow: ['10.0.0.0/8'], deny: ['10.66.0.0/16'] } }],
        },
        { id: 'bob', credentials: [{ id: 'bob-key', type: 'key-auth', key_hash: hash(key.bob) }] },
      ],
      policies: [{ name: 'ip-restriction', config: { deny: ['203.0.113.0/24'] } }],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const get = (k: string | undefined, ip: string) => call(`${gw.url}/api`, { headers: { 'x-forwarded-for': ip, ...(k ? { 'x-api-key': k } : {}) } });
  const trace = async (r: { headers: Record<string, unknown> }) =>
    (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ entries: { policy?: { id: string; scope: string }; phase: string; outcome: string; code?: string; data?: unknown }[] }>();

  it('the consumer\'s allow list refuses it elsewhere: 403 naming the consumer-scoped policy, in phase authorize', async () => {
    const r = await get(key.acme, '192.0.2.10');
    expectGolden('authz/ip-restriction-consumer-403-not-allowed', r);
    const t = await trace(r);
    const ipEntries = t.entries.filter((e) => e.policy?.id.endsWith('ip-restriction')).map((e) => [e.policy?.id, e.phase, e.outcome, e.code]);
    expect(ipEntries).toEqual([
      ['global:ip-restriction', 'guard', 'allow', undefined],
      ['consumer:acme:ip-restriction', 'authorize', 'deny', 'ip.not_allowed'],
    ]);
  });

  it('the consumer passes from its own network, and its deny list wins there', async () => {
    expect((await get(key.acme, '10.1.2.3')).status).toBe(200);
    const r = await get(key.acme, '10.66.1.1');
    expect(r.json()).toMatchObject({ status: 403, code: 'ip.denied', policy: { id: 'consumer:acme:ip-restriction', scope: 'consumer' } });
  });

  it('other consumers are not affected by acme\'s list', async () => {
    expect((await get(key.bob, '192.0.2.10')).status).toBe(200);
  });

  it('the global list still runs first, before authentication', async () => {
    const r = await get(key.acme, '203.0.113.7');
    expect(r.json()).toMatchObject({ code: 'ip.denied', policy: { id: 'global:ip-restriction' } });
    expect((await get(undefined, '203.0.113.7')).status).toBe(403);
  });

  it('without a credential there is no consumer list to apply: authentication answers', async () => {
    const r = await get(undefined, '192.0.2.10');
    expect(r.status).toBe(401);
  });

  it('the simulator applies the consumer list too', async () => {
    const r = await call(`${gw.admin}/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'GET', path: '/api', ip: '127.0.0.1', headers: { 'x-api-key': key.acme, 'x-forwarded-for': '192.0.2.10' } }),
    });
    expect(r.json()).toMatchObject({ outcome: 'denied', response: { status: 403, body: { code: 'ip.not_allowed', policy: { id: 'consumer:acme:ip-restriction' } } } });
  });
});
