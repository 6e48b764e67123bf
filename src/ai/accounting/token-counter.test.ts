import { countTokens as inProcess } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, describe, expect, it } from 'vitest';
import { pieces, TokenCounter } from './token-counter.js';

describe('token counter (worker thread)', () => {
  const counter = new TokenCounter();
  afterAll(() => counter.close());

  it('counts exactly as gpt-tokenizer does, one worker for every call, concurrent first calls sharing its start', async () => {
    const texts = ['hello world', 'Bonjour, ça va ? 😀', '{"city":"Paris","unit":"celsius"}', ''];
    const [a, b] = await Promise.all([counter.count(texts), counter.count(['The quick brown fox'])]);
    expect(a).toEqual(texts.map((t) => inProcess(t)));
    expect(b).toEqual([inProcess('The quick brown fox')]);
    expect({ loads: counter.loads, ready: counter.ready }).toEqual({ loads: 1, ready: true });
  });

  it('cuts long texts before a space into bounded pieces; prose counts the same', async () => {
    const prose = 'The quick brown fox jumps over the lazy dog.\n'.repeat(500);
    const ps = pieces(prose);
    expect(ps.length).toBeGreaterThan(1);
    expect(ps.join('')).toBe(prose);
    expect(ps.every((p) => p.length <= 4096)).toBe(true);
    expect(ps.slice(1).every((p) => /^ \S/.test(p))).toBe(true);
    expect(pieces('x'.repeat(10_000)).map((p) => p.length)).toEqual([4096, 4096, 1808]);
    expect(await counter.count([prose])).toEqual([inProcess(prose)]);
  });

  it('keeps the event loop free while it counts (the merges of long runs take seconds on one thread)', async () => {
    // Runs without spaces are the tokenizer's worst case: about a second of merging here.
    const heavy = Array.from({ length: 40 }, (_, i) => String.fromCharCode(0x61 + (i % 26)).repeat(4000) + String(i));
    let maxGap = 0;
    let last = performance.now();
    const tick = setInterval(() => {
      const t = performance.now();
      maxGap = Math.max(maxGap, t - last);
      last = t;
    }, 5);
    const started = performance.now();
    const counts = await counter.count(heavy);
    const took = performance.now() - started;
    clearInterval(tick);
    expect(counts).toHaveLength(40);
    expect(counts[0]).toBe(inProcess(heavy[0]!));
    expect(took).toBeGreaterThan(200);
    expect(maxGap).toBeLessThan(took / 2);
  });

  it('a worker that cannot load its tokenizer fails the count (the caller falls back), and is not restarted at once', async () => {
    const broken = new TokenCounter('/nonexistent/o200k_base.js');
    await expect(broken.count(['x'])).rejects.toThrow();
    await expect(broken.count(['x'])).rejects.toThrow();
    expect(broken.loads).toBe(1);
  });
});
