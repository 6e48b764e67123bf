import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, hasRedis } from '../test-support/services.js';
import { closedPort } from '../test-support/upstream.js';
import { periodBounds } from './calendar.js';
import { RedisCounters } from './redis-counters.js';
import { connectRedis, parseRedisUrl, waitReady } from './redis.js';
import { CALENDAR_LUA } from './scripts.js';

const log = pino({ level: 'silent' });
const ok = await hasRedis();

describe.skipIf(!ok)('redis counters (real Redis)', () => {
  let admin: Redis;
  const clients: Redis[] = [];
  const counters: RedisCounters[] = [];
  let prefix = '';

  const open = async (p = prefix) => {
    const client = connectRedis(parseRedisUrl(REDIS_URL), log);
    clients.push(client);
    expect(await waitReady(client, 2000)).toBe(true);
    const c = new RedisCounters(client, p, log);
    counters.push(c);
    return c;
  };

  beforeAll(() => {
    admin = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    for (const c of counters.splice(0)) c.close();
    for (const c of clients.splice(0)) c.disconnect();
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    prefix = '';
  });
  afterAll(async () => {
    await admin.quit();
  });
  const fresh = () => (prefix = `sluice-test:${randomBytes(6).toString('hex')}:`);

  it('GCRA: a burst of `limit`, then refusals with the wait; state expires with the limit', async () => {
    fresh();
    const c = await open();
    const s = [{ table: 'r', emissionMs: 1000, capacityMs: 3000 }];
    const out = [];
    for (let i = 0; i < 4; i++) out.push(await c.rate(s, ['a'], true));
    expect(out.map((o) => o.allowed)).toEqual([true, true, true, false]);
    expect(out.map((o) => o.limits[0]!.remaining)).toEqual([2, 1, 0, 0]);
    expect(out[3]!.denied).toBe(0);
    expect(out[3]!.limits[0]!.waitMs).toBeGreaterThan(900);
    expect(out[3]!.limits[0]!.waitMs).toBeLessThanOrEqual(1000);
    const ttl = await admin.pttl(`${prefix}rl:r:a`);
    expect(ttl).toBeGreaterThan(2000);
    expect(ttl).toBeLessThanOrEqual(3001);
  });

  it('each decision is exactly one script call (EVALSHA once the script is known), pipelined', async () => {
    fresh();
    const c = await open();
    const client = clients[clients.length - 1]!;
    const sent: string[] = [];
    const original = client.sendCommand.bind(client);
    client.sendCommand = ((cmd: { name: string }, ...rest: unknown[]) => {
      sent.push(cmd.name);
      return (original as (...a: unknown[]) => unknown)(cmd, ...rest);
    });
    const s = [{ table: 'one', emissionMs: 1, capacityMs: 1000 }, { table: 'two', emissionMs: 10, capacityMs: 1000 }];
    await c.rate(s, ['a', 'a'], true);
    sent.length = 0;
    await Promise.all(Array.from({ length: 50 }, (_, i) => c.rate(s, [`k${i}`, `k${i}`], true)));
    await Promise.all(Array.from({ length: 20 }, () => c.quota([{ table: 'q', limit: 1000, period: 'day' }], ['a'], true)));
    // The rate script is known after the first call: 50 decisions, 50 EVALSHA, nothing else. The quota
    // script is new here, so its first use may load it once (SCRIPT LOAD or one EVAL), then EVALSHA.
    const counts: Record<string, number> = {};
    for (const n of sent) counts[n] = (counts[n] ?? 0) + 1;
    expect(Object.keys(counts).filter((n) => !['evalsha', 'eval', 'script'].includes(n))).toEqual([]);
    expect((counts['script'] ?? 0) + (counts['eval'] ?? 0)).toBeLessThanOrEqual(1);
    expect((counts['evalsha'] ?? 0) + (counts['eval'] ?? 0)).toBe(70);
  });

  it('peeks change nothing; a refusal by one limit consumes none', async () => {
    fresh();
    const c = await open();
    const s = [{ table: 'fast', emissionMs: 100, capacityMs: 1000 }, { table: 'slow', emissionMs: 1_800_000, capacityMs: 3_600_000 }];
    for (let i = 0; i < 3; i++) expect((await c.rate(s, ['a', 'a'], false)).allowed).toBe(true);
    expect(await admin.exists(`${prefix}rl:fast:a`)).toBe(0);
    expect((await c.rate(s, ['a', 'a'], true)).allowed).toBe(true);
    expect((await c.rate(s, ['a', 'a'], true)).allowed).toBe(true);
    const third = await c.rate(s, ['a', 'a'], true);
    expect(third).toMatchObject({ allowed: false, denied: 1 });
    expect(third.limits[0]!.remaining).toBe(8);
  });

  it('two clients racing on one key never exceed the limit', async () => {
    fresh();
    const a = await open();
    const b = await open();
    const s = [{ table: 'race', emissionMs: 3_600_000 / 50, capacityMs: 3_600_000 }];
    const calls = [];
    for (let i = 0; i < 200; i++) calls.push((i % 2 ? a : b).rate(s, ['k'], true));
    const results = await Promise.all(calls);
    expect(results.filter((r) => r.allowed)).toHaveLength(50);
  });

  it('quotas count per calendar period on the Redis clock and report its end', async () => {
    fresh();
    const c = await open();
    const specs = [{ table: 'd', limit: 2, period: 'day' as const }, { table: 'm', limit: 100, period: 'month' as const }];
    expect((await c.quota(specs, ['u', 'u'], false)).limits[0]!.used).toBe(1);
    await c.quota(specs, ['u', 'u'], true);
    await c.quota(specs, ['u', 'u'], true);
    const refused = await c.quota(specs, ['u', 'u'], true);
    const [sec] = await admin.time();
    const b = periodBounds(Number(sec) * 1000, 'day');
    expect(refused).toMatchObject({ allowed: false, denied: 0, limits: [{ used: 2, remaining: 0, resetAt: b.end }, { used: 2, remaining: 98 }] });
    expect(refused.limits[0]!.resetMs).toBeGreaterThan(0);
    expect(refused.limits[0]!.resetMs).toBeLessThanOrEqual(86_400_000);
    expect(refused.limits[1]!.resetAt).toBe(periodBounds(Number(sec) * 1000, 'month').end);
  });

  it('the Lua calendar agrees with calendar.ts on boundaries, leap days and random instants', async () => {
    const script = `${CALENDAR_LUA}\nlocal s, e = bounds(tonumber(ARGV[1]), ARGV[2])\nreturn {s, e}`;
    const instants = [0, Date.UTC(2000, 1, 29, 12), Date.UTC(2024, 11, 31, 23, 59, 59), Date.UTC(2025, 0, 1), Date.UTC(2100, 2, 1) - 1, Date.UTC(2038, 0, 19, 3, 14, 8)];
    let seed = 7;
    for (let i = 0; i < 60; i++) {
      seed = (seed * 48271) % 2147483647;
      instants.push(Math.floor((seed / 2147483647) * Date.UTC(2200, 0, 1)));
    }
    for (const t of instants) {
      for (const p of ['day', 'week', 'month'] as const) {
        const [s, e] = (await admin.eval(script, 0, t, p)) as [number, number];
        expect({ t, p, s, e }).toEqual({ t, p, ...{ s: periodBounds(t, p).start, e: periodBounds(t, p).end } });
      }
    }
  });

  it('concurrency: leases bound the slots, releases free them, a vanished holder frees itself', async () => {
    fresh();
    const a = await open();
    const b = await open();
    const spec = { table: 'cc', limit: 2, leaseMs: 1500 };
    const s1 = await a.acquire(spec, 'p', true);
    const s2 = await a.acquire(spec, 'p', true);
    expect([s1.allowed, s2.allowed]).toEqual([true, true]);
    expect(await b.acquire(spec, 'p', false)).toEqual({ allowed: false, inFlight: 2 });
    expect((await b.acquire(spec, 'p', true)).allowed).toBe(false);
    a.release(s1.slot!);
    a.release(s1.slot!);
    await new Promise((r) => setTimeout(r, 50));
    expect(await b.acquire(spec, 'p', false)).toEqual({ allowed: true, inFlight: 2 });
    // Held beyond several lease lengths: renewed while its holder lives.
    await new Promise((r) => setTimeout(r, 2200));
    expect(await b.acquire(spec, 'p', false)).toEqual({ allowed: true, inFlight: 2 });
    // The holder "crashes" (stops renewing, never releases): its slot frees itself when the lease ends.
    a.close();
    await new Promise((r) => setTimeout(r, 1700));
    expect(await b.acquire(spec, 'p', false)).toEqual({ allowed: true, inFlight: 1 });
  });

  it('an unreachable Redis rejects promptly (no offline queue), so policies can fail open or closed', async () => {
    const port = await closedPort();
    const client = connectRedis(parseRedisUrl(`redis://127.0.0.1:${port}`), log);
    clients.push(client);
    const c = new RedisCounters(client, 'x:', log);
    counters.push(c);
    const t0 = performance.now();
    await expect(c.rate([{ table: 't', emissionMs: 1, capacityMs: 1 }], ['a'], true)).rejects.toThrow();
    await expect(c.quota([{ table: 't', limit: 1, period: 'day' }], ['a'], true)).rejects.toThrow();
    await expect(c.acquire({ table: 't', limit: 1, leaseMs: 1000 }, 'a', true)).rejects.toThrow();
    expect(performance.now() - t0).toBeLessThan(500);
  });
});
