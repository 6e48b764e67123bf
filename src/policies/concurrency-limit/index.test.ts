import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import v8 from 'node:v8';
import vm from 'node:vm';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCounters } from '../../cluster/memory-counters.js';
import type { RequestContext } from '../../core/context.js';
import type { CompileContext } from '../../core/policy.js';
import { call, startGateway, type SimpleResponse, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { REDIS_URL, hasRedis } from '../../test-support/services.js';
import { closedPort, echo, startUpstream, type TestUpstream } from '../../test-support/upstream.js';
import { concurrencyLimit } from './index.js';

interface Entry { policy?: { id: string; name: string }; outcome: string; code?: string; detail?: string; data?: Record<string, unknown> }
const entryOf = async (gw: TestGateway, r: SimpleResponse) =>
  (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ entries: Entry[] }>().entries.find((e) => e.policy?.name === 'concurrency-limit')!;
/** Slots held right now, as the simulator sees them (it peeks: in_flight counts the simulated request too). */
const held = async (gw: TestGateway, path: string, headers: Record<string, string> = {}) => {
  const s = (await call(`${gw.admin}/simulate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'GET', path, headers }) })).json<{ trace: { entries: Entry[] } }>();
  const e = s.trace.entries.find((x) => x.policy?.name === 'concurrency-limit')!;
  return e.outcome === 'allow' ? (e.data!['in_flight'] as number) - 1 : (e.data!['in_flight'] as number);
};
const eventually = async (check: () => Promise<boolean>, ms = 3000) => {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** An upstream that holds every response until told to answer. */
async function holdingUpstream(): Promise<TestUpstream & { waiting: ServerResponse[]; answerAll(): void }> {
  const waiting: ServerResponse[] = [];
  const up = await startUpstream((req, res, body) => {
    if (req.url?.startsWith('/fast')) return echo(req, res, body);
    waiting.push(res);
  });
  return Object.assign(up, {
    waiting,
    answerAll() {
      for (const res of waiting.splice(0)) if (!res.destroyed) res.end('done');
    },
  });
}

const routes = (svc: string, dead: string) => [
  { id: 'slow', service: svc, paths: ['/slow'], policies: [{ name: 'concurrency-limit', config: { limit: 2 } }] },
  {
    id: 'guarded',
    service: svc,
    paths: ['/fast'],
    policies: [
      { name: 'concurrency-limit', config: { limit: 1 } },
      { name: 'rate-limit', config: { limit: 1, window: '1h', key: 'header', header: 'X-Client' } },
    ],
  },
  { id: 'broken', service: dead, paths: ['/broken'], policies: [{ name: 'concurrency-limit', config: { limit: 1 } }] },
  { id: 'stress', service: svc, paths: ['/stress'], policies: [{ name: 'concurrency-limit', config: { limit: 4, key: 'header', header: 'X-Client' } }] },
];

describe('concurrency-limit (in memory)', () => {
  let up: Awaited<ReturnType<typeof holdingUpstream>>;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await holdingUpstream();
    gw = await startGateway({
      services: [
        { id: 'svc', upstream: { targets: [up.url] } },
        { id: 'dead', upstream: { targets: [`http://127.0.0.1:${await closedPort()}`], retries: { attempts: 0 } } },
      ],
      routes: routes('svc', 'dead'),
    });
  });
  afterAll(async () => {
    up.answerAll();
    await gw.close();
    await up.close();
  });

  it('refuses the request beyond `limit` in flight with 429 (golden), and frees the slots when responses complete', async () => {
    const inFlight = [call(`${gw.url}/slow`), call(`${gw.url}/slow`)];
    await eventually(async () => up.waiting.length === 2);
    const denied = await call(`${gw.url}/slow`);
    expectGolden('traffic/concurrency-limit-429', denied);
    expect((await entryOf(gw, denied)).data).toMatchObject({ store: 'memory', key: 'route', partition: 'slow', limit: 2, in_flight: 2 });
    expect(await held(gw, '/slow')).toBe(2);
    up.answerAll();
    const done = await Promise.all(inFlight);
    expect(done.map((r) => r.status)).toEqual([200, 200]);
    expect(done[0]!.headers['ratelimit-policy']).toBe('"concurrency";q=2;qu="concurrent-requests"');
    expect(done[0]!.headers['ratelimit']).toMatch(/^"concurrency";r=[01]$/);
    await eventually(async () => (await held(gw, '/slow')) === 0);
  });

  it('a client that disconnects mid-request gives its slot back', async () => {
    const ac = new AbortController();
    const aborted = request(`${gw.url}/slow`, { signal: ac.signal }).catch((e: unknown) => e);
    await eventually(async () => up.waiting.length === 1);
    expect(await held(gw, '/slow')).toBe(1);
    ac.abort();
    await aborted;
    await eventually(async () => (await held(gw, '/slow')) === 0);
    up.answerAll();
  });

  it('a refusal by a later policy (rate-limit) and an upstream failure both give the slot back', async () => {
    expect((await call(`${gw.url}/fast`, { headers: { 'x-client': 'a' } })).status).toBe(200);
    expect((await call(`${gw.url}/fast`, { headers: { 'x-client': 'a' } })).json()).toMatchObject({ code: 'rate.limited' });
    // With limit 1, a leaked slot would make this one a concurrency.limited 429.
    expect((await call(`${gw.url}/fast`, { headers: { 'x-client': 'b' } })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await call(`${gw.url}/broken`)).json()).toMatchObject({ code: 'upstream.connect_failed' });
    expect(await held(gw, '/broken')).toBe(0);
  });

  it('under a burst of parallel requests the upstream never sees more than `limit` at once', async () => {
    let active = 0;
    let peak = 0;
    up.behave((req, res, body) => {
      peak = Math.max(peak, ++active);
      setTimeout(() => {
        active--;
        echo(req, res, body);
      }, 30);
    });
    const statuses = await Promise.all(Array.from({ length: 40 }, async () => (await call(`${gw.url}/stress`, { headers: { 'x-client': 'p' } })).status));
    expect(peak).toBe(4);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(4);
    expect(statuses.filter((s) => s !== 200).every((s) => s === 429)).toBe(true);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    await eventually(async () => (await held(gw, '/stress', { 'x-client': 'p' })) === 0);
  });

  it('after a burst where a fifth of the clients abort, no slot is left held and the full budget is usable', async () => {
    up.behave((req, res, body) => setTimeout(() => echo(req, res, body), 30));
    const outcomes = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        const ac = new AbortController();
        if (i % 5 === 0) setTimeout(() => ac.abort(), 10);
        try {
          const r = await request(`${gw.url}/stress`, { headers: { 'x-client': 'k' }, signal: ac.signal });
          await r.body.text();
          return r.statusCode;
        } catch {
          return 'aborted';
        }
      }),
    );
    expect(outcomes.filter((o) => o === 429).length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => o === 'aborted').length).toBeGreaterThan(0);
    await eventually(async () => (await held(gw, '/stress', { 'x-client': 'k' })) === 0);
    const again = await Promise.all(Array.from({ length: 4 }, () => call(`${gw.url}/stress`, { headers: { 'x-client': 'k' } })));
    expect(again.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  });
});

describe('concurrency-limit: a slot whose request context is dropped without finishing is freed by the GC', () => {
  it('releases through the FinalizationRegistry', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const counters = new MemoryCounters();
    const compileCtx = {
      policyId: 'route:r:concurrency-limit',
      services: { get: (n: string) => (n === 'counters' ? counters : undefined) },
      fail: (p: string, reason: string) => {
        throw new Error(`${p}: ${reason}`);
      },
    } as unknown as CompileContext;
    const inst = concurrencyLimit.compile({ limit: 3 }, compileCtx);
    const leak = () => {
      const locals = new Map<string, unknown>();
      const ctx = { dryRun: false, route: { id: 'r', serviceId: 's', params: {}, tags: [] }, clientIp: '127.0.0.1', headers: {}, locals, setResponseHeader: () => undefined } as unknown as RequestContext;
      expect(inst.evaluate(ctx)).toMatchObject({ outcome: 'allow' });
    };
    leak();
    leak();
    expect(counters.inFlight('route:r:concurrency-limit/route', 'r')).toBe(2);
    await eventually(async () => {
      gc();
      await new Promise((r) => setTimeout(r, 10));
      return counters.inFlight('route:r:concurrency-limit/route', 'r') === 0;
    }, 5000);
  });
});

describe('concurrency-limit when Redis is unreachable', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway(
      {
        services: [{ id: 'svc', upstream: { targets: [up.url] } }],
        routes: [
          { id: 'open', service: 'svc', paths: ['/open'], policies: [{ name: 'concurrency-limit', config: { limit: 1 } }] },
          { id: 'closed', service: 'svc', paths: ['/closed'], policies: [{ name: 'concurrency-limit', config: { limit: 1, failure_mode: 'closed' } }] },
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
    expect(await entryOf(gw, open)).toMatchObject({ outcome: 'allow', code: 'concurrency.failed_open', data: { failure_mode: 'open' } });
    const closed = await call(`${gw.url}/closed`);
    expect(closed.json()).toMatchObject({ status: 503, code: 'policy.unavailable' });
    expect(await entryOf(gw, closed)).toMatchObject({ outcome: 'deny', code: 'policy.unavailable', data: { failure_mode: 'closed' } });
  });
});

const redisUp = await hasRedis();

describe.skipIf(!redisUp)('concurrency-limit on Redis (in-process gateway)', () => {
  let up: Awaited<ReturnType<typeof holdingUpstream>>;
  let gw: TestGateway;
  const prefix = `sluice-test:${randomBytes(6).toString('hex')}:`;
  let redis: import('ioredis').Redis;

  beforeAll(async () => {
    const { Redis } = await import('ioredis');
    redis = new Redis(REDIS_URL);
    up = await holdingUpstream();
    gw = await startGateway(
      { services: [{ id: 'svc', upstream: { targets: [up.url] } }, { id: 'dead', upstream: { targets: ['http://127.0.0.1:9'] } }], routes: routes('svc', 'dead') },
      { redisUrl: `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}` },
    );
  });
  afterAll(async () => {
    up.answerAll();
    await gw.close();
    await up.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('holds slots as Redis leases, refuses beyond the limit (golden) and removes them when requests end', async () => {
    const inFlight = [call(`${gw.url}/slow`), call(`${gw.url}/slow`)];
    await eventually(async () => up.waiting.length === 2);
    expect(await redis.zcard(`${prefix}cc:route:slow:concurrency-limit/route:slow`)).toBe(2);
    const denied = await call(`${gw.url}/slow`);
    expectGolden('traffic/concurrency-limit-429', denied);
    expect((await entryOf(gw, denied)).data).toMatchObject({ store: 'redis', in_flight: 2 });
    const ac = new AbortController();
    up.answerAll();
    await Promise.all(inFlight);
    const aborted = request(`${gw.url}/slow`, { signal: ac.signal }).catch((e: unknown) => e);
    await eventually(async () => up.waiting.length === 1);
    ac.abort();
    await aborted;
    await eventually(async () => (await redis.zcard(`${prefix}cc:route:slow:concurrency-limit/route:slow`)) === 0);
  });
});
