import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../src/test-support/gateway.js';
import { runCli, startSluiceProcess, type SluiceProcess } from '../../src/test-support/process.js';
import { REDIS_URL, hasRedis } from '../../src/test-support/services.js';
import { closedPort, echo, startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';

const redisUp = await hasRedis();
/** Large enough that 1% is 10 requests: an overshoot of a few requests is measurable. */
const LIMIT = 1000;
const TOTAL = LIMIT * 1.5;

/**
 * Two real `sluice start` processes sharing one Redis: a limit is one budget for the cluster.
 * `npm test` builds dist/ first.
 */
describe.skipIf(!redisUp)('two Sluice processes sharing one Redis', () => {
  let dir: string;
  let up: TestUpstream;
  const waiting: ServerResponse[] = [];
  let a: SluiceProcess;
  let b: SluiceProcess;
  let redis: Redis;
  const prefix = `sluice-e2e:${randomBytes(6).toString('hex')}:`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-traffic-'));
    redis = new Redis(REDIS_URL);
    up = await startUpstream((req, res, body) => {
      if (req.url?.startsWith('/held')) waiting.push(res);
      else echo(req, res, body);
    });
    await writeFile(
      join(dir, 'sluice.yaml'),
      `
services:
  - id: svc
    upstream: { targets: ["${up.url}"] }
routes:
  - id: limited
    service: svc
    paths: ["/limited"]
    policies:
      - name: rate-limit
        config: { limit: ${LIMIT}, window: 1d, key: global }
  - id: held
    service: svc
    paths: ["/held"]
    policies:
      - name: concurrency-limit
        config: { limit: 3 }
`,
    );
    const redisArg = ['--redis', `${REDIS_URL}?prefix=${encodeURIComponent(prefix)}`, '--config', join(dir, 'sluice.yaml')];
    [a, b] = await Promise.all([startSluiceProcess([...redisArg, '--data', join(dir, 'a')]), startSluiceProcess([...redisArg, '--data', join(dir, 'b')])]);
  });
  afterAll(async () => {
    for (const res of waiting.splice(0)) res.end();
    await Promise.all([a?.stop(), b?.stop()]);
    await up.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  });

  it(`${TOTAL} concurrent requests split over both processes: the limit (${LIMIT}) is exceeded by at most 1%`, async () => {
    const agent = new Agent({ connections: 32 });
    const counts = new Map<string, { ok: number; limited: number; other: number }>();
    const hit = async (base: string) => {
      const r = await request(`${base}/limited`, { dispatcher: agent });
      await r.body.text();
      const c = counts.get(base) ?? { ok: 0, limited: 0, other: 0 };
      if (r.statusCode === 200) c.ok++;
      else if (r.statusCode === 429) c.limited++;
      else c.other++;
      counts.set(base, c);
    };
    let next = 0;
    // 2 × 24 workers keep both processes busy at once until every request is sent, so the budget
    // runs out while both are admitting requests: the moment a racy counter would overshoot.
    await Promise.all(
      Array.from({ length: 48 }, async (_, w) => {
        const base = w % 2 ? a.proxy : b.proxy;
        while (next < TOTAL) {
          next++;
          await hit(base);
        }
      }),
    );
    await agent.close();
    const fromA = counts.get(a.proxy)!;
    const fromB = counts.get(b.proxy)!;
    const ok = fromA.ok + fromB.ok;
    expect(fromA.other + fromB.other).toBe(0);
    expect(ok + fromA.limited + fromB.limited).toBe(TOTAL);
    // GCRA refills one request every 86 s at 1000 per day, and the test takes seconds: any request
    // beyond LIMIT is an overshoot. Two unshared budgets would admit up to 2 × LIMIT.
    expect(ok).toBeGreaterThanOrEqual(LIMIT);
    expect(ok).toBeLessThanOrEqual(LIMIT * 1.01);
    expect(up.seen.filter((s) => s.url === '/limited')).toHaveLength(ok);
    // Both processes spent a real share of the one budget, and both refused once it was gone.
    expect(fromA.ok).toBeGreaterThan(LIMIT * 0.2);
    expect(fromB.ok).toBeGreaterThan(LIMIT * 0.2);
    expect(fromA.limited).toBeGreaterThan(0);
    expect(fromB.limited).toBeGreaterThan(0);
    const lastB = await call(`${b.proxy}/limited`);
    expect(lastB.status).toBe(429);
    const out = await runCli(['explain', lastB.headers['x-request-id'] as string, '--admin', b.admin]);
    expect(out.stdout).toContain('rate.limited');
    expect(out.stdout).toContain('store: redis');
  });

  it('a concurrency limit holds across both processes, and slots come back when requests end', async () => {
    const pending = [call(`${a.proxy}/held`), call(`${b.proxy}/held`), call(`${a.proxy}/held`)];
    const until = Date.now() + 5000;
    while (waiting.length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(waiting).toHaveLength(3);
    expect((await call(`${b.proxy}/held`)).json()).toMatchObject({ code: 'concurrency.limited' });
    expect((await call(`${a.proxy}/held`)).json()).toMatchObject({ code: 'concurrency.limited' });
    for (const res of waiting.splice(0)) res.end('ok');
    expect((await Promise.all(pending)).map((r) => r.status)).toEqual([200, 200, 200]);
    const key = `${prefix}cc:route:held:concurrency-limit/route:held`;
    const drained = Date.now() + 3000;
    while ((await redis.zcard(key)) > 0 && Date.now() < drained) await new Promise((r) => setTimeout(r, 20));
    expect(await redis.zcard(key)).toBe(0);
  });
});

describe('a Sluice process whose Redis is unreachable', () => {
  let dir: string;
  let up: TestUpstream;
  let p: SluiceProcess;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-traffic-down-'));
    up = await startUpstream();
    await writeFile(
      join(dir, 'sluice.yaml'),
      `
services:
  - id: svc
    upstream: { targets: ["${up.url}"] }
routes:
  - id: open
    service: svc
    paths: ["/open"]
    policies: [{ name: rate-limit, config: { limit: 1, window: 1h, key: ip, failure_mode: open } }]
  - id: closed
    service: svc
    paths: ["/closed"]
    policies: [{ name: rate-limit, config: { limit: 1, window: 1h, key: ip, failure_mode: closed } }]
`,
    );
    p = await startSluiceProcess(['--config', join(dir, 'sluice.yaml'), '--data', join(dir, 'd'), '--redis', `redis://127.0.0.1:${await closedPort()}`]);
  });
  afterAll(async () => {
    await p?.stop();
    await up.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts anyway; fail-open lets requests through and fail-closed refuses, and `sluice explain` says which', async () => {
    for (let i = 0; i < 2; i++) expect((await call(`${p.proxy}/open`)).status).toBe(200);
    const opened = await call(`${p.proxy}/open`);
    const trace = (await call(`${p.admin}/traces/${opened.headers['x-request-id'] as string}`)).json<{ entries: { code?: string; data?: Record<string, unknown> }[] }>();
    expect(trace.entries.find((e) => e.code === 'rate.failed_open')?.data).toMatchObject({ store: 'redis', failure_mode: 'open' });

    const closed = await call(`${p.proxy}/closed`);
    expect(closed.status).toBe(503);
    expect(closed.headers['retry-after']).toBe('1');
    const out = await runCli(['explain', closed.headers['x-request-id'] as string, '--admin', p.admin]);
    expect(out.stdout).toContain('policy.unavailable');
    expect(out.stdout).toContain('failure_mode: closed');
  });
});
