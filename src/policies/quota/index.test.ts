import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { periodBounds } from '../../cluster/calendar.js';
import { call, startGateway, type SimpleResponse, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { REDIS_URL, hasRedis } from '../../test-support/services.js';
import { closedPort, startUpstream, type TestUpstream } from '../../test-support/upstream.js';

interface Entry { policy?: { id: string; name: string }; outcome: string; code?: string; detail?: string; data?: Record<string, unknown> }
const entryOf = async (gw: TestGateway, r: SimpleResponse, name = 'quota') =>
  (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ entries: Entry[] }>().entries.find((e) => e.policy?.name === name)!;
const simulate = async (gw: TestGateway, path: string) =>
  (await call(`${gw.admin}/simulate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'GET', path }) })).json<{
    outcome: string;
    response: { status: number; headers: Record<string, string>; body: { detail: string } } | null;
    trace: { entries: Entry[] };
  }>();

/** The reset instant and Retry-After vary with the clock: check them, then hide them from the golden file. */
function resetPlaceholders(r: SimpleResponse, period: 'day' | 'week' | 'month'): Record<string, string> {
  const end = periodBounds(Date.now(), period).end;
  const iso = new Date(end).toISOString().replace('.000Z', 'Z');
  const retry = r.headers['retry-after'] as string;
  expect(Math.abs(Number(retry) - (end - Date.now()) / 1000)).toBeLessThan(5);
  return { [iso]: '<reset>', [`t=${retry}`]: 't=<seconds>', ...(r.headers['retry-after'] ? { [retry]: '<seconds>' } : {}) };
}

const routes = [
  { id: 'daily', service: 'svc', paths: ['/daily'], policies: [{ name: 'quota', config: { limit: 2, period: 'day', key: 'ip' } }] },
  { id: 'monthly', service: 'svc', paths: ['/monthly'], policies: [{ name: 'quota', config: { limit: 5, period: 'month', key: 'header', header: 'X-Tenant' } }] },
  {
    id: 'both',
    service: 'svc',
    paths: ['/both'],
    policies: [
      { name: 'rate-limit', config: { limit: 1, window: '1h', key: 'header', header: 'X-Client' } },
      { name: 'quota', config: { limit: 2, period: 'week', key: 'ip' } },
    ],
  },
  { id: 'sim', service: 'svc', paths: ['/sim'], policies: [{ name: 'quota', config: { limit: 1, period: 'day', key: 'ip' } }] },
];

describe('quota (in memory)', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({ services: [{ id: 'svc', upstream: { targets: [up.url] } }], routes });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('counts per UTC day; the 429 gives the reset time and Retry-After (golden), the trace the count', async () => {
    const first = await call(`${gw.url}/daily`);
    expect(first.status).toBe(200);
    expect(first.headers['ratelimit-policy']).toBe('"quota-day";q=2;w=86400');
    expect(first.headers['ratelimit']).toMatch(/^"quota-day";r=1;t=\d+$/);
    expect((await call(`${gw.url}/daily`)).status).toBe(200);
    const denied = await call(`${gw.url}/daily`);
    expectGolden('traffic/quota-429', denied, resetPlaceholders(denied, 'day'));
    const e = await entryOf(gw, denied);
    expect(e).toMatchObject({ outcome: 'deny', code: 'quota.exceeded', data: { store: 'memory', key: 'ip', partition: '127.0.0.1', quota: 'quota-day', quotas: [{ name: 'quota-day', limit: 2, period: 'day', used: 2 }] } });
  });

  it('monthly quotas have no fixed window (`w` omitted); each header value is counted apart', async () => {
    const r = await call(`${gw.url}/monthly`, { headers: { 'x-tenant': 'acme' } });
    expect(r.headers['ratelimit-policy']).toBe('"quota-month";q=5');
    for (let i = 0; i < 4; i++) expect((await call(`${gw.url}/monthly`, { headers: { 'x-tenant': 'acme' } })).status).toBe(200);
    const denied = await call(`${gw.url}/monthly`, { headers: { 'x-tenant': 'acme' } });
    expect(denied.status).toBe(429);
    expect(denied.json<{ detail: string }>().detail).toBe(`Quota exhausted: 5 requests per month. It resets at ${new Date(periodBounds(Date.now(), 'month').end).toISOString().replace('.000Z', 'Z')}.`);
    expect((await call(`${gw.url}/monthly`, { headers: { 'x-tenant': 'globex' } })).status).toBe(200);
  });

  it('with rate-limit on the same route: both add to the RateLimit fields, and a rate-limited request burns no quota', async () => {
    const ok = await call(`${gw.url}/both`, { headers: { 'x-client': 'a' } });
    expect(ok.headers['ratelimit-policy']).toBe('"rate-1h";q=1;w=3600, "quota-week";q=2;w=604800');
    expect(ok.headers['ratelimit']).toMatch(/^"rate-1h";r=0;t=3600, "quota-week";r=1;t=\d+$/);
    for (let i = 0; i < 3; i++) expect((await call(`${gw.url}/both`, { headers: { 'x-client': 'a' } })).json()).toMatchObject({ code: 'rate.limited' });
    // Rate limit runs first in the `limit` phase: the refused requests did not count against the quota.
    expect((await call(`${gw.url}/both`, { headers: { 'x-client': 'b' } })).status).toBe(200);
    expect((await call(`${gw.url}/both`, { headers: { 'x-client': 'c' } })).json()).toMatchObject({ code: 'quota.exceeded' });
  });

  it('the simulator explains without counting', async () => {
    for (let i = 0; i < 3; i++) {
      const s = await simulate(gw, '/sim');
      expect(s.outcome).toBe('forwarded');
      expect(s.trace.entries.find((e) => e.policy?.name === 'quota')?.detail).toBe('would be allowed (dry run, nothing counted); quota-day: 1/1 used');
    }
    expect((await call(`${gw.url}/sim`)).status).toBe(200);
    const s = await simulate(gw, '/sim');
    expect(s.response?.status).toBe(429);
    expect(s.response?.body.detail).toMatch(/^Quota exhausted: 1 requests per day\. It resets at /);
  });
});

describe('quota when Redis is unreachable', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway(
      {
        services: [{ id: 'svc', upstream: { targets: [up.url] } }],
        routes: [
          { id: 'open', service: 'svc', paths: ['/open'], policies: [{ name: 'quota', config: { limit: 1, period: 'day', key: 'ip' } }] },
          { id: 'closed', service: 'svc', paths: ['/closed'], policies: [{ name: 'quota', config: { limit: 1, period: 'day', key: 'ip', failure_mode: 'closed' } }] },
        ],
      },
      { redisUrl: `redis://127.0.0.1:${await closedPort()}` },
    );
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('fails open or closed as configured, and the trace records which', async () => {
    const open = await call(`${gw.url}/open`);
    expect(open.status).toBe(200);
    expect(await entryOf(gw, open)).toMatchObject({ outcome: 'allow', code: 'quota.failed_open', data: { failure_mode: 'open' } });
    const closed = await call(`${gw.url}/closed`);
    expect(closed.status).toBe(503);
    expect(closed.json()).toMatchObject({ code: 'policy.unavailable', policy: { id: 'route:closed:quota' } });
    expect(await entryOf(gw, closed)).toMatchObject({ outcome: 'deny', code: 'policy.unavailable', data: { failure_mode: 'closed' } });
  });
});

const redisUp = await hasRedis();

describe.skipIf(!redisUp)('quota on Redis (in-process gateway)', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  const prefix = `sluice-test:${randomBytes(6).toString('hex')}:`;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({ services: [{ id: 'svc', upstream: { targets: [up.url] } }], routes }, { redisUrl: `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}` });
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

  it('counts in Redis with the same answer (golden); the simulator only peeks', async () => {
    expect((await simulate(gw, '/daily')).outcome).toBe('forwarded');
    expect((await call(`${gw.url}/daily`)).status).toBe(200);
    expect((await call(`${gw.url}/daily`)).status).toBe(200);
    const denied = await call(`${gw.url}/daily`);
    expectGolden('traffic/quota-429', denied, resetPlaceholders(denied, 'day'));
    expect((await entryOf(gw, denied)).data).toMatchObject({ store: 'redis', quotas: [{ used: 2 }] });
  });
});
