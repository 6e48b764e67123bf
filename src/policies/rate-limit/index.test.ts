import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toYaml } from '../../config/yaml.js';
import { call, startGateway, type SimpleResponse, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { REDIS_URL, hasRedis } from '../../test-support/services.js';
import { closedPort, startUpstream, type TestUpstream } from '../../test-support/upstream.js';

interface Entry { policy?: { id: string; name: string }; outcome: string; code?: string; detail?: string; enforced?: boolean; data?: Record<string, unknown> }
const traceOf = async (gw: TestGateway, r: SimpleResponse) =>
  (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ entries: Entry[] }>();
const entryOf = async (gw: TestGateway, r: SimpleResponse) => (await traceOf(gw, r)).entries.find((e) => e.policy?.name === 'rate-limit' && e.code !== 'policy.overridden')!;
const simulate = async (gw: TestGateway, path: string, headers: Record<string, string> = {}) =>
  (await call(`${gw.admin}/simulate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'GET', path, headers }) })).json<{
    outcome: string;
    response: { status: number; headers: Record<string, string> } | null;
    trace: { entries: Entry[] };
  }>();

const routes = (svc = 'svc') => [
  { id: 'by-ip', service: svc, paths: ['/ip'], policies: [{ name: 'rate-limit', config: { limit: 2, window: '1h', key: 'ip' } }] },
  { id: 'by-tenant', service: svc, paths: ['/tenant'], policies: [{ name: 'rate-limit', config: { limit: 1, window: '1h', key: 'header', header: 'X-Tenant' } }] },
  {
    id: 'multi',
    service: svc,
    paths: ['/multi'],
    policies: [{ name: 'rate-limit', config: { key: 'ip', limits: [{ limit: 100, window: '1s', name: 'per-second' }, { limit: 2, window: '1d', name: 'daily' }] } }],
  },
  { id: 'shadow', service: svc, paths: ['/shadow'], policies: [{ name: 'rate-limit', mode: 'shadow', config: { limit: 1, window: '1h', key: 'ip' } }] },
  { id: 'sim', service: svc, paths: ['/sim'], policies: [{ name: 'rate-limit', config: { limit: 1, window: '1h', key: 'ip' } }] },
  { id: 'route-a', service: svc, paths: ['/a'] },
  { id: 'route-b', service: svc, paths: ['/b'] },
];

describe('rate-limit (in memory)', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  let config: Record<string, unknown>;

  beforeAll(async () => {
    up = await startUpstream();
    config = {
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      routes: routes(),
      // Global, keyed by route: every route has its own budget, shared by all its callers.
      policies: [{ name: 'rate-limit', config: { limit: 1, window: '1h', key: 'route' } }],
    };
    gw = await startGateway(config);
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('allows `limit` requests with RateLimit fields, then 429 with Retry-After (golden) and a trace naming key and counters', async () => {
    const first = await call(`${gw.url}/ip`);
    expect(first.status).toBe(200);
    expect(first.headers['ratelimit-policy']).toBe('"rate-1h";q=2;w=3600');
    expect(first.headers['ratelimit']).toBe('"rate-1h";r=1;t=1800');
    expect((await call(`${gw.url}/ip`)).headers['ratelimit']).toBe('"rate-1h";r=0;t=1800');
    const denied = await call(`${gw.url}/ip`);
    expectGolden('traffic/rate-limit-429', denied);
    expect(up.seen.filter((s) => s.url === '/ip')).toHaveLength(2);
    const e = await entryOf(gw, denied);
    expect(e).toMatchObject({ outcome: 'deny', code: 'rate.limited', policy: { id: 'route:by-ip:rate-limit' } });
    expect(e.data).toMatchObject({ store: 'memory', key: 'ip', partition: '127.0.0.1', limit: 'rate-1h', retry_after_s: 1800, limits: [{ name: 'rate-1h', limit: 2, window: '1h', remaining: 0 }] });
  });

  it('by header: each value has its own budget; without the header it counts by client IP and says so', async () => {
    expect((await call(`${gw.url}/tenant`, { headers: { 'x-tenant': 'acme' } })).status).toBe(200);
    expect((await call(`${gw.url}/tenant`, { headers: { 'x-tenant': 'acme' } })).status).toBe(429);
    expect((await call(`${gw.url}/tenant`, { headers: { 'x-tenant': 'globex' } })).status).toBe(200);
    const anon = await call(`${gw.url}/tenant`);
    expect(anon.status).toBe(200);
    expect((await entryOf(gw, anon)).data).toMatchObject({ key: 'header', partition: 'ip:127.0.0.1', missing_key: 'counted by client ip' });
    expect((await call(`${gw.url}/tenant`)).status).toBe(429);
  });

  it('several limits must all hold; the refusal names the one that ran out and every limit is in the fields', async () => {
    const ok = await call(`${gw.url}/multi`);
    expect(ok.headers['ratelimit-policy']).toBe('"per-second";q=100;w=1, "daily";q=2;w=86400');
    expect(ok.headers['ratelimit']).toMatch(/^"per-second";r=99;t=1, "daily";r=1;t=\d+$/);
    await call(`${gw.url}/multi`);
    const denied = await call(`${gw.url}/multi`);
    expect(denied.status).toBe(429);
    expect(denied.json()).toMatchObject({ code: 'rate.limited', detail: expect.stringContaining('the limit is 2 per 1d') });
    expect((await entryOf(gw, denied)).data).toMatchObject({ limit: 'daily' });
  });

  it('key: route at global scope gives every route its own budget', async () => {
    expect((await call(`${gw.url}/a`)).status).toBe(200);
    expect((await call(`${gw.url}/b`)).status).toBe(200);
    const again = await call(`${gw.url}/a`);
    expect(again.status).toBe(429);
    expect(again.json()).toMatchObject({ policy: { id: 'global:rate-limit', scope: 'global' } });
    expect((await entryOf(gw, again)).data).toMatchObject({ key: 'route', partition: 'route-a' });
  });

  it('shadow mode records the denial (enforced: false) but never refuses or sends Retry-After', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await call(`${gw.url}/shadow`);
      expect(r.status).toBe(200);
      expect(r.headers['retry-after']).toBeUndefined();
      if (i > 0) expect(await entryOf(gw, r)).toMatchObject({ outcome: 'deny', code: 'rate.limited', enforced: false });
    }
  });

  it('the simulator explains without consuming (dry run peeks)', async () => {
    for (let i = 0; i < 3; i++) {
      const s = await simulate(gw, '/sim');
      expect(s.outcome).toBe('forwarded');
      expect(s.trace.entries.find((e) => e.policy?.name === 'rate-limit' && e.code !== 'policy.overridden')?.detail).toMatch(/^would be allowed \(dry run, nothing counted\)/);
    }
    expect((await call(`${gw.url}/sim`)).status).toBe(200);
    const s = await simulate(gw, '/sim');
    expect(s.outcome).toBe('denied');
    expect(s.response).toMatchObject({ status: 429, headers: { 'retry-after': '3600', ratelimit: '"rate-1h";r=0;t=3600' } });
    expect(s.trace.entries.find((e) => e.policy?.name === 'rate-limit' && e.code !== 'policy.overridden')).toMatchObject({ outcome: 'deny', code: 'rate.limited' });
    // Still exactly one request counted: the next real one is the first refusal.
    expect((await call(`${gw.url}/sim`)).status).toBe(429);
  });

  it('a config reload keeps the counters (they are named by policy id, not config version)', async () => {
    expect((await call(`${gw.url}/sim`)).status).toBe(429);
    await writeFile(join(gw.dataDir, 'sluice.yaml'), toYaml({ ...config, routes: [...routes(), { id: 'new', service: 'svc', paths: ['/new'] }] }));
    const r = await gw.app.reload();
    expect(r).toMatchObject({ changed: true, version: 2 });
    const after = await call(`${gw.url}/sim`);
    expect(after.status).toBe(429);
    expect(after.json()).toMatchObject({ config_version: 2 });
  });
});

describe('rate-limit by consumer and credential (after key-auth)', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  const hash = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex')}`;
  const as = (key: string) => ({ 'x-api-key': key });

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      routes: [
        { id: 'per-consumer', service: 'svc', paths: ['/c'], policies: [{ name: 'key-auth' }, { name: 'rate-limit', config: { limit: 2, window: '1h' } }] },
        { id: 'per-credential', service: 'svc', paths: ['/k'], policies: [{ name: 'key-auth' }, { name: 'rate-limit', config: { limit: 1, window: '1h', key: 'credential' } }] },
      ],
      consumers: [
        { id: 'alice', credentials: [{ id: 'alice-1', type: 'key-auth', key_hash: hash('alice-one') }, { id: 'alice-2', type: 'key-auth', key_hash: hash('alice-two') }] },
        // A consumer-scoped rate-limit replaces the route's for this consumer (a "gold plan").
        { id: 'gold', credentials: [{ id: 'gold-1', type: 'key-auth', key_hash: hash('gold-one') }], policies: [{ name: 'rate-limit', config: { limit: 4, window: '1h' } }] },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('key: consumer counts every credential of a consumer together; a consumer-scoped policy gives its own budget', async () => {
    expect((await call(`${gw.url}/c`, { headers: as('alice-one') })).status).toBe(200);
    expect((await call(`${gw.url}/c`, { headers: as('alice-two') })).status).toBe(200);
    const denied = await call(`${gw.url}/c`, { headers: as('alice-one') });
    expect(denied.status).toBe(429);
    expect((await entryOf(gw, denied)).data).toMatchObject({ key: 'consumer', partition: 'alice' });
    const gold = [];
    for (let i = 0; i < 5; i++) gold.push((await call(`${gw.url}/c`, { headers: as('gold-one') })).status);
    expect(gold).toEqual([200, 200, 200, 200, 429]);
  });

  it('key: credential gives each credential its own budget', async () => {
    expect((await call(`${gw.url}/k`, { headers: as('alice-one') })).status).toBe(200);
    expect((await call(`${gw.url}/k`, { headers: as('alice-two') })).status).toBe(200);
    const denied = await call(`${gw.url}/k`, { headers: as('alice-one') });
    expect(denied.status).toBe(429);
    expect((await entryOf(gw, denied)).data).toMatchObject({ key: 'credential', partition: 'alice-1' });
  });

  it('an unauthenticated request is refused by key-auth (401) before the limit is consulted', async () => {
    const r = await call(`${gw.url}/c`);
    expect(r.status).toBe(401);
    expect((await traceOf(gw, r)).entries.some((e) => e.policy?.name === 'rate-limit')).toBe(false);
  });
});

describe('rate-limit config errors name the field', () => {
  it.each([
    [{ limit: 1 }, 'routes[0].policies[0].config.window'],
    [{ limit: 1, window: '1s', limits: [{ limit: 1, window: '1s' }] }, 'routes[0].policies[0].config.limits'],
    [{ limit: 1, window: '1s', key: 'header' }, 'routes[0].policies[0].config.header'],
    [{ limits: [{ limit: 1, window: '1s' }, { limit: 2, window: '1s' }] }, 'routes[0].policies[0].config.limits[1].name'],
  ])('%j → %s', async (cfg, path) => {
    const err = await startGateway({
      services: [{ id: 'svc', upstream: { targets: ['http://127.0.0.1:9'] } }],
      routes: [{ id: 'r', service: 'svc', paths: ['/'], policies: [{ name: 'rate-limit', config: cfg }] }],
    }).then(
      async (g) => {
        await g.close();
        return undefined;
      },
      (e: unknown) => e as { errors?: { path: string }[] },
    );
    expect(err?.errors?.map((x) => x.path)).toContain(path);
  });
});

describe('rate-limit when Redis is unreachable', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    const port = await closedPort();
    gw = await startGateway(
      {
        services: [{ id: 'svc', upstream: { targets: [up.url] } }],
        routes: [
          { id: 'open', service: 'svc', paths: ['/open'], policies: [{ name: 'rate-limit', config: { limit: 1, window: '1h', key: 'ip' } }] },
          { id: 'closed', service: 'svc', paths: ['/closed'], policies: [{ name: 'rate-limit', config: { limit: 1, window: '1h', key: 'ip', failure_mode: 'closed' } }] },
        ],
      },
      { redisUrl: `redis://127.0.0.1:${port}` },
    );
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('failure_mode: open lets requests through uncounted, and the trace says it failed open', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await call(`${gw.url}/open`);
      expect(r.status).toBe(200);
      expect(await entryOf(gw, r)).toMatchObject({ outcome: 'allow', code: 'rate.failed_open', data: { store: 'redis', failure_mode: 'open' } });
    }
  });

  it('failure_mode: closed refuses with 503 policy.unavailable (golden), and the trace says it failed closed', async () => {
    const r = await call(`${gw.url}/closed`);
    expectGolden('traffic/rate-limit-503-failed-closed', r);
    expect(await entryOf(gw, r)).toMatchObject({ outcome: 'deny', code: 'policy.unavailable', data: { store: 'redis', failure_mode: 'closed' } });
  });
});

const redisUp = await hasRedis();

describe.skipIf(!redisUp)('rate-limit on Redis (in-process gateway)', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  const prefix = `sluice-test:${randomBytes(6).toString('hex')}:`;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({ services: [{ id: 'svc', upstream: { targets: [up.url] } }], routes: routes() }, { redisUrl: `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}` });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
    const { Redis } = await import('ioredis');
    const r = new Redis(REDIS_URL);
    const keys = await r.keys(`${prefix}*`);
    if (keys.length) await r.del(...keys);
    await r.quit();
  });

  it('counts in Redis: the same answers and fields as in memory (golden), the trace names the store', async () => {
    expect((await call(`${gw.url}/ip`)).headers['ratelimit']).toBe('"rate-1h";r=1;t=1800');
    expect((await call(`${gw.url}/ip`)).status).toBe(200);
    const denied = await call(`${gw.url}/ip`);
    expectGolden('traffic/rate-limit-429', denied);
    expect((await entryOf(gw, denied)).data).toMatchObject({ store: 'redis', partition: '127.0.0.1' });
  });

  it('the simulator peeks at Redis without consuming', async () => {
    for (let i = 0; i < 3; i++) expect((await simulate(gw, '/sim')).outcome).toBe('forwarded');
    expect((await call(`${gw.url}/sim`)).status).toBe(200);
    expect((await simulate(gw, '/sim')).response?.status).toBe(429);
  });
});
