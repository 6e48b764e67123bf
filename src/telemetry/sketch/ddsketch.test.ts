import { describe, expect, it } from 'vitest';
import { DDSketch } from './ddsketch.js';

/** Deterministic PRNG so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function exact(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

describe('DDSketch', () => {
  const qs = [0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999];

  it.each([
    ['log-normal latencies', (r: () => number) => Math.exp(1 + 1.2 * Math.sqrt(-2 * Math.log(r() || 1e-9)) * Math.cos(2 * Math.PI * r()))],
    ['uniform 0.05..5000 ms', (r: () => number) => 0.05 + r() * 5000],
    ['bimodal cache hit/miss', (r: () => number) => (r() < 0.8 ? 0.3 + r() * 0.2 : 200 + r() * 50)],
  ])('stays within its relative accuracy on %s', (_name, gen) => {
    const r = rng(42);
    const values = Array.from({ length: 50_000 }, () => gen(r));
    const s = new DDSketch();
    for (const v of values) s.add(v);
    values.sort((a, b) => a - b);
    for (const q of qs) {
      const want = exact(values, q);
      const got = s.quantile(q)!;
      expect(Math.abs(got - want) / want, `q=${q} exact=${want} sketch=${got}`).toBeLessThanOrEqual(DDSketch.DEFAULT_ACCURACY + 1e-9);
    }
    expect(s.count).toBe(values.length);
    expect(s.min).toBe(values[0]);
    expect(s.max).toBe(values.at(-1));
  });

  it('merges: the merge of parts answers like one sketch of everything', () => {
    const r = rng(7);
    const parts = Array.from({ length: 24 }, () => new DDSketch());
    const all: number[] = [];
    const whole = new DDSketch();
    for (let i = 0; i < 30_000; i++) {
      const v = Math.exp(r() * 8);
      all.push(v);
      whole.add(v);
      parts[i % parts.length]!.add(v);
    }
    const merged = parts.reduce((acc, p) => acc.merge(p), new DDSketch());
    all.sort((a, b) => a - b);
    for (const q of qs) {
      expect(merged.quantile(q)).toBe(whole.quantile(q));
      expect(Math.abs(merged.quantile(q)! - exact(all, q)) / exact(all, q)).toBeLessThanOrEqual(DDSketch.DEFAULT_ACCURACY + 1e-9);
    }
    expect(merged.count).toBe(30_000);
    expect(merged.sum).toBeCloseTo(all.reduce((a, b) => a + b, 0), 6);
  });

  it('round-trips through its text form, zeros and sub-microsecond values included', () => {
    const s = new DDSketch();
    for (const v of [0, 0, 0.0001, 0.5, 3, 3, 1000, 65_000]) s.add(v);
    const back = DDSketch.deserialize(s.serialize());
    expect(back.serialize()).toBe(s.serialize());
    expect(back.quantile(0.2)).toBe(0);
    expect(back.quantile(0.5)).toBe(s.quantile(0.5));
    expect(back.quantile(1)).toBe(65_000);
    expect(DDSketch.deserialize(new DDSketch().serialize()).quantile(0.5)).toBeUndefined();
  });

  it('grows downwards when a smaller value arrives after larger ones', () => {
    const s = new DDSketch();
    s.add(100);
    s.add(0.01);
    expect(s.quantile(0)).toBe(0.01);
    expect(Math.abs(s.quantile(0.4)! - 0.01) / 0.01).toBeLessThanOrEqual(0.005 + 1e-9);
  });

  it('refuses to merge sketches of different accuracy', () => {
    const other = new DDSketch(0.02);
    other.add(1);
    expect(() => new DDSketch(0.01).merge(other)).toThrow(/different accuracy/);
  });
});
