import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsumerIdentity, CredentialIdentity, RequestContext } from '../../core/context.js';
import type { CompileContext, Decision } from '../../core/policy.js';
import { call, startGateway, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../test-support/upstream.js';
import { scopes } from './index.js';
import type { ScopesConfig } from './schema.js';

function decide(config: ScopesConfig, method: string, credential?: CredentialIdentity, consumer?: ConsumerIdentity): Decision {
  return scopes.compile(config, {} as CompileContext).evaluate({ method, credential, consumer } as RequestContext) as Decision;
}

const cred = (...granted: string[]): CredentialIdentity => ({ id: 'cred-1', type: 'jwt', scopes: granted });
const products: ScopesConfig = {
  rules: [
    { methods: ['GET'], scopes: ['read:products', 'write:products'], match: 'any' },
    { methods: ['POST', 'PUT', 'PATCH', 'DELETE'], scopes: ['write:products'] },
  ],
};

describe('scopes decision logic', () => {
  it('a missing scope is 403 insufficient_scope naming it, in the detail and the RFC 6750 challenge', () => {
    const d = decide(products, 'POST', cred('read:products'));
    expect(d).toEqual({
      outcome: 'deny',
      code: 'scope.insufficient',
      detail: 'Insufficient scope for write:products',
      headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="write:products"' },
      data: { method: 'POST', rule: 1, match: 'all', required: ['write:products'], credential: 'cred-1', granted: ['read:products'], missing: ['write:products'] },
    });
  });

  it('allows when the credential holds the scopes', () => {
    expect(decide(products, 'DELETE', cred('write:products', 'other'))).toMatchObject({ outcome: 'allow', data: { rule: 1 } });
  });

  it('match: any is satisfied by one of the scopes, and refused naming the alternatives', () => {
    expect(decide(products, 'GET', cred('write:products'))).toMatchObject({ outcome: 'allow', data: { matched: 'write:products' } });
    expect(decide(products, 'GET', cred('profile'))).toMatchObject({
      code: 'scope.insufficient',
      detail: 'Insufficient scope: one of read:products, write:products is required.',
      headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="read:products write:products"' },
    });
  });

  it('match: all names every missing scope; realm is part of the challenge', () => {
    const d = decide({ realm: 'orders "eu"', rules: [{ scopes: ['orders', 'write:orders', 'admin'] }] }, 'PATCH', cred('orders'));
    expect(d).toMatchObject({
      detail: 'Insufficient scope for write:orders, admin',
      headers: { 'www-authenticate': 'Bearer realm="orders \\"eu\\"", error="insufficient_scope", scope="orders write:orders admin"' },
      data: { missing: ['write:orders', 'admin'] },
    });
  });

  it('the first rule covering the method decides; a rule without methods covers every method', () => {
    const cfg: ScopesConfig = { rules: [{ methods: ['DELETE'], scopes: ['admin'] }, { scopes: ['api'] }] };
    expect(decide(cfg, 'DELETE', cred('api'))).toMatchObject({ code: 'scope.insufficient', data: { rule: 0 } });
    expect(decide(cfg, 'GET', cred('api'))).toMatchObject({ outcome: 'allow', data: { rule: 1 } });
  });

  it('a rule listing GET covers HEAD too, unless a rule lists HEAD itself', () => {
    expect(decide(products, 'HEAD', cred())).toMatchObject({ code: 'scope.insufficient', data: { rule: 0 } });
    const explicit: ScopesConfig = { rules: [{ methods: ['GET'], scopes: ['read'] }, { methods: ['HEAD'], scopes: ['peek'] }] };
    expect(decide(explicit, 'HEAD', cred('peek'))).toMatchObject({ outcome: 'allow', data: { rule: 1 } });
  });

  it('a method no rule covers is skipped, and the trace says why', () => {
    expect(decide(products, 'OPTIONS', cred())).toEqual({ outcome: 'skip', detail: 'no scope rule covers OPTIONS', data: { method: 'OPTIONS' } });
  });

  it('no credential (e.g. the anonymous consumer) is 401 with a Bearer challenge', () => {
    const d = decide({ realm: 'api', rules: [{ scopes: ['write:products'] }] }, 'POST', undefined, { id: 'guest', groups: [], anonymous: true });
    expect(d).toEqual({
      outcome: 'deny',
      code: 'scope.no_credential',
      detail: 'POST here requires the scope write:products; the request carries no credential.',
      headers: { 'www-authenticate': 'Bearer realm="api"' },
      data: { method: 'POST', rule: 0, required: ['write:products'], consumer: 'guest' },
    });
  });

  it('scope matching is exact and case-sensitive (RFC 6749 §3.3)', () => {
    expect(decide(products, 'POST', cred('WRITE:products', 'write:*'))).toMatchObject({ code: 'scope.insufficient' });
  });

  it('bounds the granted scopes kept in the trace, and checks large grants with a set', () => {
    const many = Array.from({ length: 300 }, (_, i) => `s${i}`);
    const d = decide({ rules: [{ scopes: ['s299'] }] }, 'GET', cred(...many));
    expect(d.outcome).toBe('allow');
    expect((d.data?.['granted'] as string[]).at(-1)).toBe('… 250 more');
  });
});

describe('scopes through the gateway, with key-auth', () => {
  const key = { reader: 'reader-key-00000000001', writer: 'writer-key-00000000002' };
  const hash = (k: string) => `sha256:${createHash('sha256').update(k).digest('hex')}`;
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    const rules = [
      { methods: ['GET'], scopes: ['read:products', 'write:products'], match: 'any' },
      { methods: ['POST', 'PUT', 'PATCH', 'DELETE'], scopes: ['write:products'] },
    ];
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      consumers: [
        { id: 'reader', credentials: [{ id: 'reader-key', type: 'key-auth', key_hash: hash(key.reader), scopes: ['read:products'] }] },
        { id: 'writer', credentials: [{ id: 'writer-key', type: 'key-auth', key_hash: hash(key.writer), scopes: ['read:products', 'write:products'] }] },
        { id: 'guest', groups: ['public'] },
      ],
      routes: [
        { id: 'products', service: 'svc', paths: ['/products'], policies: [{ name: 'key-auth' }, { name: 'scopes', config: { rules } }] },
        { id: 'catalog', service: 'svc', paths: ['/catalog'], policies: [{ name: 'key-auth', config: { anonymous: 'guest' } }, { name: 'scopes', config: { realm: 'catalog', rules: [{ methods: ['POST'], scopes: ['write:products'] }] } }] },
        { id: 'trial', service: 'svc', paths: ['/trial'], policies: [{ name: 'key-auth' }, { name: 'scopes', mode: 'shadow', config: { rules } }] },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const send = (method: string, path: string, k?: string) => call(`${gw.url}${path}`, { method, headers: k ? { 'x-api-key': k } : {}, ...(method === 'GET' ? {} : { body: '{}' }) });
  const trace = async (r: { headers: Record<string, unknown> }) =>
    (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ entries: { code?: string; outcome: string; enforced?: boolean; data?: unknown; detail?: string; policy?: { name: string } }[] }>();

  it('a missing scope → 403 with the RFC 6750 insufficient_scope challenge naming it', async () => {
    const r = await send('POST', '/products', key.reader);
    expectGolden('authz/scopes-403-insufficient', r);
    expect(r.headers['www-authenticate']).toBe('Bearer error="insufficient_scope", scope="write:products"');
    expect(r.json()).toMatchObject({ detail: 'Insufficient scope for write:products' });
    expect((await trace(r)).entries.find((e) => e.code === 'scope.insufficient')?.data).toEqual({
      method: 'POST', rule: 1, match: 'all', required: ['write:products'], credential: 'reader-key', granted: ['read:products'], missing: ['write:products'],
    });
  });

  it('the credential holding the scope passes, for writes and reads', async () => {
    expect((await send('POST', '/products', key.writer)).status).toBe(200);
    expect((await send('GET', '/products', key.reader)).status).toBe(200);
  });

  it('the anonymous consumer has no credential → 401 with a Bearer challenge; reads without a rule pass', async () => {
    const r = await send('POST', '/catalog');
    expectGolden('authz/scopes-401-no-credential', r);
    expect(r.headers['www-authenticate']).toBe('Bearer realm="catalog"');
    const ok = await send('GET', '/catalog');
    expect(ok.status).toBe(200);
    expect((await trace(ok)).entries.find((e) => e.policy?.name === 'scopes')).toMatchObject({ outcome: 'skip', detail: 'no scope rule covers GET' });
  });

  it('shadow mode records the missing scope and forwards', async () => {
    const r = await send('DELETE', '/trial', key.reader);
    expect(r.status).toBe(200);
    expect((await trace(r)).entries.find((e) => e.code === 'scope.insufficient')).toMatchObject({ outcome: 'deny', enforced: false });
  });

  it('the simulator explains the scope denial with its challenge', async () => {
    const before = up.seen.length;
    const r = await call(`${gw.admin}/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'PATCH', path: '/products', headers: { 'x-api-key': key.reader }, body: '{}' }),
    });
    expect(r.json()).toMatchObject({
      outcome: 'denied',
      response: { status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="write:products"' }, body: { code: 'scope.insufficient' } },
    });
    expect(up.seen.length).toBe(before);
  });
});
