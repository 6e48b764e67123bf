import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsumerIdentity, RequestContext } from '../../core/context.js';
import { ConfigFieldError, type CompileContext, type Decision } from '../../core/policy.js';
import { call, startGateway, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../test-support/upstream.js';
import { acl } from './index.js';
import type { AclConfig } from './schema.js';

const compileCtx = { fail: (path: string, reason: string): never => { throw new ConfigFieldError(path, reason); } } as unknown as CompileContext;

/** The few RequestContext members acl reads and writes. */
function run(config: AclConfig, consumer: ConsumerIdentity | undefined) {
  const upstream = new Map<string, string | null>();
  const req = {
    consumer,
    upstream: { setHeader: (n: string, v: string) => upstream.set(n, v), removeHeader: (n: string) => upstream.set(n, null) },
  } as unknown as RequestContext;
  const decision = acl.compile(config, compileCtx).evaluate(req) as Decision;
  return { decision, upstream };
}

const consumer = (id: string, ...groups: string[]): ConsumerIdentity => ({ id, groups });

describe('acl decision logic', () => {
  it('allows a consumer in an allowed group and tells the upstream its groups', () => {
    const { decision, upstream } = run({ allow: ['partners', 'staff'] }, consumer('acme', 'gold', 'partners'));
    expect(decision).toEqual({ outcome: 'allow', data: { consumer: 'acme', groups: ['gold', 'partners'], matched: 'partners', list: 'allow' } });
    expect(upstream.get('x-consumer-groups')).toBe('gold, partners');
  });

  it('refuses a consumer in no allowed group (acl.not_allowed), listing its groups in the trace', () => {
    const { decision, upstream } = run({ allow: ['partners'] }, consumer('bob', 'free'));
    expect(decision).toMatchObject({ outcome: 'deny', code: 'acl.not_allowed', detail: 'Consumer "bob" is not in a group allowed on this route.', data: { consumer: 'bob', groups: ['free'] } });
    expect(upstream.size).toBe(0);
  });

  it('deny wins over allow, by group or by consumer id', () => {
    expect(run({ allow: ['partners'], deny: ['suspended'] }, consumer('acme', 'partners', 'suspended')).decision).toMatchObject({
      code: 'acl.denied',
      data: { matched: 'suspended', list: 'deny' },
    });
    expect(run({ allow: ['partners'], deny_consumers: ['acme'] }, consumer('acme', 'partners')).decision).toMatchObject({
      code: 'acl.denied',
      data: { matched: 'acme', list: 'deny_consumers' },
    });
  });

  it('a deny list alone lets everyone else through', () => {
    expect(run({ deny: ['suspended'] }, consumer('carol')).decision).toMatchObject({ outcome: 'allow' });
  });

  it('allow_consumers admits named consumers whatever their groups', () => {
    expect(run({ allow: ['partners'], allow_consumers: ['ops-bot'] }, consumer('ops-bot')).decision).toMatchObject({
      outcome: 'allow',
      data: { matched: 'ops-bot', list: 'allow_consumers' },
    });
  });

  it('the anonymous consumer is judged by its own groups, and the trace says it was anonymous', () => {
    const anon: ConsumerIdentity = { id: 'guest', groups: ['public'], anonymous: true };
    expect(run({ allow: ['partners'] }, anon).decision).toMatchObject({ code: 'acl.not_allowed', data: { anonymous: true } });
    expect(run({ allow: ['public'] }, anon).decision).toMatchObject({ outcome: 'allow' });
  });

  it('without an identified consumer it refuses with acl.no_consumer (as Kong does, 403)', () => {
    expect(run({ allow: ['partners'] }, undefined).decision).toMatchObject({ outcome: 'deny', code: 'acl.no_consumer' });
  });

  it('never forwards a client-sent X-Consumer-Groups: hidden, or removed when the consumer has no group', () => {
    expect(run({ allow: ['partners'], hide_groups_header: true }, consumer('acme', 'partners')).upstream.get('x-consumer-groups')).toBeNull();
    expect(run({ deny: ['suspended'] }, consumer('carol')).upstream.get('x-consumer-groups')).toBeNull();
  });

  it('refuses a config without any list', () => {
    expect(() => run({ hide_groups_header: true }, undefined)).toThrow('set at least one of "allow", "deny", "allow_consumers" or "deny_consumers"');
  });
});

describe('acl through the gateway, with key-auth', () => {
  const key = { acme: 'acme-key-0000000000001', bob: 'bob-key-00000000000002', mallory: 'mallory-key-0000000003' };
  const hash = (k: string) => `sha256:${createHash('sha256').update(k).digest('hex')}`;
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      consumers: [
        { id: 'acme', groups: ['partners', 'gold'], credentials: [{ id: 'acme-key', type: 'key-auth', key_hash: hash(key.acme) }] },
        { id: 'bob', groups: ['free'], credentials: [{ id: 'bob-key', type: 'key-auth', key_hash: hash(key.bob) }] },
        { id: 'mallory', groups: ['partners', 'suspended'], credentials: [{ id: 'mallory-key', type: 'key-auth', key_hash: hash(key.mallory) }] },
      ],
      routes: [
        { id: 'partners', service: 'svc', paths: ['/partners'], policies: [{ name: 'key-auth' }, { name: 'acl', config: { allow: ['partners'], deny: ['suspended'] } }] },
        { id: 'trial', service: 'svc', paths: ['/trial'], policies: [{ name: 'key-auth' }, { name: 'acl', mode: 'shadow', config: { allow: ['partners'] } }] },
        { id: 'unauthenticated', service: 'svc', paths: ['/unauthenticated'], policies: [{ name: 'acl', config: { allow: ['partners'] } }] },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const get = (path: string, k?: string, extra: Record<string, string> = {}) => call(`${gw.url}${path}`, { headers: { ...(k ? { 'x-api-key': k } : {}), ...extra } });
  const trace = async (r: { headers: Record<string, unknown> }) =>
    (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ decidedBy?: { id: string }; entries: { code?: string; outcome: string; phase: string; enforced?: boolean; data?: unknown; policy?: { name: string } }[] }>();

  it('a consumer in an allowed group passes; the upstream gets its groups, never a client-sent list', async () => {
    const r = await get('/partners', key.acme, { 'x-consumer-groups': 'admins' });
    expect(r.status).toBe(200);
    expect(up.seen.at(-1)?.headers['x-consumer-groups']).toBe('partners, gold');
    const t = await trace(r);
    expect(t.entries.find((e) => e.policy?.name === 'acl')).toMatchObject({ outcome: 'allow', phase: 'authorize', data: { consumer: 'acme', matched: 'partners', list: 'allow' } });
  });

  it('a consumer in no allowed group → 403 acl.not_allowed', async () => {
    const r = await get('/partners', key.bob);
    expectGolden('authz/acl-403-not-allowed', r);
    expect((await trace(r)).entries.find((e) => e.code === 'acl.not_allowed')?.data).toEqual({ consumer: 'bob', groups: ['free'] });
  });

  it('a consumer in a denied group → 403 acl.denied, naming the group in the trace only (and no secret anywhere)', async () => {
    const r = await get('/partners', key.mallory);
    expectGolden('authz/acl-403-denied', r);
    const t = await trace(r);
    expect(t.decidedBy?.id).toBe('route:partners:acl');
    expect(t.entries.find((e) => e.code === 'acl.denied')?.data).toEqual({ consumer: 'mallory', groups: ['partners', 'suspended'], matched: 'suspended', list: 'deny' });
    expect(JSON.stringify(t)).not.toContain(key.mallory);
  });

  it('without authentication on the route → 403 acl.no_consumer', async () => {
    expectGolden('authz/acl-403-no-consumer', await get('/unauthenticated'));
  });

  it('authentication still answers first: no key → 401 from key-auth, not an acl denial', async () => {
    const r = await get('/partners');
    expect(r.status).toBe(401);
    expect(r.json()).toMatchObject({ policy: { name: 'key-auth' } });
  });

  it('shadow mode records the denial and forwards the request', async () => {
    const r = await get('/trial', key.bob);
    expect(r.status).toBe(200);
    expect((await trace(r)).entries.find((e) => e.code === 'acl.not_allowed')).toMatchObject({ outcome: 'deny', enforced: false });
  });

  it('the simulator explains an acl denial for a given key without forwarding', async () => {
    const before = up.seen.length;
    const r = await call(`${gw.admin}/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'GET', path: '/partners', headers: { 'x-api-key': key.mallory } }),
    });
    expect(r.json()).toMatchObject({ outcome: 'denied', response: { status: 403, body: { code: 'acl.denied', policy: { id: 'route:partners:acl' } } }, trace: { consumerId: 'mallory' } });
    expect(up.seen.length).toBe(before);
  });
});
