import { describe, expect, it } from 'vitest';
import { periodBounds } from './calendar.js';
import { MemoryCounters } from './memory-counters.js';

const clockAt = (t: { now: number }) => () => t.now;

describe('memory counters: GCRA rate limits', () => {
  const spec = (limit: number, windowMs: number, burst = limit) => ({ table: `t${limit}/${windowMs}/${burst}`, emissionMs: windowMs / limit, capacityMs: (windowMs / limit) * burst });

  it('allows a burst of `limit`, then one request per window/limit, and says when the next fits', () => {
    const t = { now: 1000 };
    const c = new MemoryCounters({ clock: clockAt(t) });
    const s = [spec(3, 3000)];
    const seen = [1, 2, 3, 4].map(() => c.rate(s, ['a'], true));
    expect(seen.map((o) => o.allowed)).toEqual([true, true, true, false]);
    expect(seen.map((o) => o.limits[0]!.remaining)).toEqual([2, 1, 0, 0]);
    expect(seen[2]!.limits[0]!.waitMs).toBeCloseTo(1000);
    expect(seen[3]!.denied).toBe(0);
    expect(seen[3]!.limits[0]!.waitMs).toBeCloseTo(1000);
    t.now += 999;
    expect(c.rate(s, ['a'], true).allowed).toBe(false);
    t.now += 1;
    const next = c.rate(s, ['a'], true);
    expect(next.allowed).toBe(true);
    expect(next.limits[0]!.remaining).toBe(0);
    // Another partition has its own budget.
    expect(c.rate(s, ['b'], true).limits[0]!.remaining).toBe(2);
  });

  it('a long idle period refills to the burst, never beyond', () => {
    const t = { now: 0 };
    const c = new MemoryCounters({ clock: clockAt(t) });
    const s = [spec(2, 1000)];
    c.rate(s, ['a'], true);
    c.rate(s, ['a'], true);
    t.now += 1_000_000;
    expect(c.rate(s, ['a'], true).limits[0]!.remaining).toBe(1);
  });

  it('peeking (consume: false) reports what would happen and changes nothing', () => {
    const t = { now: 0 };
    const c = new MemoryCounters({ clock: clockAt(t) });
    const s = [spec(1, 60_000)];
    for (let i = 0; i < 5; i++) expect(c.rate(s, ['a'], false)).toMatchObject({ allowed: true, limits: [{ remaining: 0 }] });
    expect(c.rate(s, ['a'], true).allowed).toBe(true);
    const peek = c.rate(s, ['a'], false);
    expect(peek.allowed).toBe(false);
    expect(peek.limits[0]!.waitMs).toBeCloseTo(60_000);
  });

  it('several limits: all must conform, and a refusal consumes none of them', () => {
    const t = { now: 0 };
    const c = new MemoryCounters({ clock: clockAt(t) });
    const s = [spec(10, 1000), spec(2, 3_600_000)];
    expect(c.rate(s, ['a', 'a'], true).allowed).toBe(true);
    expect(c.rate(s, ['a', 'a'], true).allowed).toBe(true);
    const third = c.rate(s, ['a', 'a'], true);
    expect(third).toMatchObject({ allowed: false, denied: 1 });
    // The per-second limit was not charged for the refused request: 8 left of 10.
    expect(third.limits[0]!.remaining).toBe(8);
  });

  it('memory stays bounded under a flood of distinct keys (two generations per horizon)', () => {
    const t = { now: 0 };
    const c = new MemoryCounters({ clock: clockAt(t) });
    const s = [spec(5, 1000)];
    let peak = 0;
    for (let i = 0; i < 200_000; i++) {
      t.now += 0.1; // 10,000 new keys per second, each seen once
      c.rate(s, [`k${i}`], true);
      peak = Math.max(peak, c.rateKeys());
    }
    // One horizon (1 s) holds 10,000 keys; two generations at most ~20,000 (float steps) — not 200,000.
    expect(peak).toBeLessThanOrEqual(20_005);
    expect(c.rateKeys()).toBeGreaterThan(0);
  });

  it('a hard cap per table forgets the older generation early instead of growing', () => {
    const t = { now: 0 };
    const c = new MemoryCounters({ clock: clockAt(t), maxKeysPerTable: 1000 });
    const s = [spec(1, 3_600_000)];
    for (let i = 0; i < 10_000; i++) c.rate(s, [`k${i}`], true);
    expect(c.rateKeys()).toBeLessThanOrEqual(2000);
  });

  it('hashes very long partitions (a huge header value cannot grow memory)', () => {
    const c = new MemoryCounters({ clock: () => 0 });
    const s = [spec(1, 1000)];
    const long = 'x'.repeat(10_000);
    expect(c.rate(s, [long], true).allowed).toBe(true);
    expect(c.rate(s, [long], true).allowed).toBe(false);
    expect(c.rate(s, [`${long}y`], true).allowed).toBe(true);
  });
});

describe('memory counters: calendar quotas', () => {
  const day = { table: 'q-day', limit: 2, period: 'day' as const };

  it('counts per UTC day and resets at midnight, reporting the reset time', () => {
    const t = { now: Date.UTC(2025, 0, 31, 23, 59, 0) };
    const c = new MemoryCounters({ wallClock: clockAt(t) });
    expect(c.quota([day], ['alice'], true)).toMatchObject({ allowed: true, limits: [{ used: 1, remaining: 1 }] });
    expect(c.quota([day], ['alice'], true).allowed).toBe(true);
    const refused = c.quota([day], ['alice'], true);
    expect(refused).toMatchObject({ allowed: false, denied: 0, limits: [{ used: 2, remaining: 0, resetAt: Date.UTC(2025, 1, 1), resetMs: 60_000 }] });
    t.now = Date.UTC(2025, 1, 1, 0, 0, 0);
    expect(c.quota([day], ['alice'], true)).toMatchObject({ allowed: true, limits: [{ used: 1 }] });
  });

  it('a refusal by one quota counts in none; peeks count nothing', () => {
    const t = { now: Date.UTC(2025, 5, 10) };
    const c = new MemoryCounters({ wallClock: clockAt(t) });
    const specs = [{ table: 'a', limit: 100, period: 'month' as const }, { table: 'b', limit: 1, period: 'week' as const }];
    expect(c.quota(specs, ['x', 'x'], false).allowed).toBe(true);
    expect(c.quota(specs, ['x', 'x'], true).allowed).toBe(true);
    const r = c.quota(specs, ['x', 'x'], true);
    expect(r).toMatchObject({ allowed: false, denied: 1, limits: [{ used: 1 }, { used: 1 }] });
  });
});

describe('calendar periods (UTC)', () => {
  it('days, ISO weeks (Monday) and months, including leap years and year ends', () => {
    expect(periodBounds(Date.UTC(2024, 1, 29, 12), 'day')).toEqual({ start: Date.UTC(2024, 1, 29), end: Date.UTC(2024, 2, 1) });
    // 2025-01-01 is a Wednesday: its week starts Monday 2024-12-30.
    expect(periodBounds(Date.UTC(2025, 0, 1, 8), 'week')).toEqual({ start: Date.UTC(2024, 11, 30), end: Date.UTC(2025, 0, 6) });
    expect(periodBounds(Date.UTC(2025, 0, 6), 'week').start).toBe(Date.UTC(2025, 0, 6));
    expect(periodBounds(Date.UTC(2024, 1, 10), 'month')).toEqual({ start: Date.UTC(2024, 1, 1), end: Date.UTC(2024, 2, 1) });
    expect(periodBounds(Date.UTC(2024, 11, 31, 23, 59), 'month')).toEqual({ start: Date.UTC(2024, 11, 1), end: Date.UTC(2025, 0, 1) });
  });
});

describe('memory counters: concurrency slots', () => {
  const spec = { table: 'cc', limit: 2, leaseMs: 30_000 };

  it('holds at most `limit` slots per partition; releasing frees one; peeks take none', () => {
    const c = new MemoryCounters();
    const a = c.acquire(spec, 'p', true);
    const b = c.acquire(spec, 'p', true);
    expect([a.allowed, b.allowed]).toEqual([true, true]);
    expect(c.acquire(spec, 'p', false)).toEqual({ allowed: false, inFlight: 2 });
    expect(c.acquire(spec, 'p', true)).toEqual({ allowed: false, inFlight: 2 });
    c.release(a.slot!);
    expect(c.inFlight('cc', 'p')).toBe(1);
    expect(c.acquire(spec, 'p', false)).toEqual({ allowed: true, inFlight: 2 });
    c.release(b.slot!);
    expect(c.inFlight('cc', 'p')).toBe(0);
    // A slot released twice does not free someone else's.
    const d = c.acquire(spec, 'p', true);
    const e = c.acquire(spec, 'p', true);
    c.release(d.slot!);
    c.release(d.slot!);
    c.release(b.slot!);
    expect(c.inFlight('cc', 'p')).toBe(1);
    c.release(e.slot!);
    expect(c.inFlight('cc', 'p')).toBe(0);
  });
});
