import { describe, expect, it } from 'vitest';
import { fullJitter } from './backoff.js';
import { CircuitBreaker } from './breaker.js';
import { pickWeighted } from './weighted.js';

const S = { failures: 3, cooldownMs: 1000 };

describe('circuit breaker', () => {
  it('opens after consecutive failures, lets one trial through after the cool-down', () => {
    const b = new CircuitBreaker();
    expect(b.failure(0, S)).toBe(false);
    b.success(); // resets the count
    b.failure(0, S);
    b.failure(0, S);
    expect(b.state(0)).toBe('closed');
    expect(b.failure(10, S)).toBe(true);
    expect(b.state(500)).toBe('open');
    expect(b.tryAcquire(500)).toBe(false);
    expect(b.tryAcquire(1010)).toBe(true); // the trial
    expect(b.tryAcquire(1010)).toBe(false); // only one
    expect(b.state(1010)).toBe('half-open');
    expect(b.failure(1020, S)).toBe(true); // trial failed: open again
    expect(b.tryAcquire(1500)).toBe(false);
    expect(b.tryAcquire(2020)).toBe(true);
    b.success();
    expect(b.state(2020)).toBe('closed');
    expect(b.timesOpened).toBe(2);
  });

  it('release gives the trial back when the attempt had no verdict', () => {
    const b = new CircuitBreaker();
    for (let i = 0; i < 3; i++) b.failure(0, S);
    expect(b.tryAcquire(1000)).toBe(true);
    b.release();
    expect(b.tryAcquire(1000)).toBe(true);
  });
});

describe('full jitter', () => {
  it('stays in [0, min(cap, base·2^n))', () => {
    expect(fullJitter(0, 100, 2000, () => 0.999)).toBe(99);
    expect(fullJitter(3, 100, 2000, () => 0.5)).toBe(400);
    expect(fullJitter(10, 100, 2000, () => 0.999)).toBe(1998);
    expect(fullJitter(5, 100, 2000, () => 0)).toBe(0);
  });
});

describe('weighted pick', () => {
  const items = [
    { id: 'a', weight: 1, priority: 0 },
    { id: 'b', weight: 3, priority: 0 },
    { id: 'c', weight: 1, priority: 1 },
  ];
  it('follows weights within the lowest usable priority', () => {
    expect(pickWeighted(items, () => true, () => 0.1)!.id).toBe('a');
    expect(pickWeighted(items, () => true, () => 0.3)!.id).toBe('b');
    const counts = { a: 0, b: 0, c: 0 } as Record<string, number>;
    let seed = 1;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let i = 0; i < 4000; i++) counts[pickWeighted(items, () => true, rnd)!.id]!++;
    expect(counts['c']).toBe(0);
    expect(counts['b']! / counts['a']!).toBeGreaterThan(2.5);
    expect(counts['b']! / counts['a']!).toBeLessThan(3.5);
  });
  it('falls to the next priority when the first has nothing usable', () => {
    expect(pickWeighted(items, (x) => x.id === 'c')!.id).toBe('c');
    expect(pickWeighted(items, () => false)).toBeUndefined();
    expect(pickWeighted([{ weight: 0, priority: 0 }], () => true)).toBeUndefined();
  });
});
