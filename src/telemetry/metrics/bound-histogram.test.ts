import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BoundHistogram } from './bound-histogram.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const VALUES = [0.0005, 0.001, 0.002, 0.05, 0.05, 0.5, 3, 120];

describe('BoundHistogram', () => {
  it('formats exactly as a prom-client Histogram fed the same observations', async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const h = new Histogram({ name: 'x_seconds', help: 'Time.', labelNames: ['service', 'route'] as const, buckets: BUCKETS, registers: [theirs] });
    const b = new BoundHistogram('x_seconds', 'Time.', ['service', 'route'] as const, BUCKETS, ours);
    // Bound in the order prom-client first sees them (series are written in that order).
    const sb = b.series({ service: 'b', route: 'r "2"' });
    const sa = b.series({ service: 'a', route: 'r1' });
    VALUES.forEach((v, i) => {
      const labels = i % 3 === 0 ? { service: 'b', route: 'r "2"' } : { service: 'a', route: 'r1' };
      h.observe(labels, v);
      (i % 3 === 0 ? sb : sa).observe(v);
    });
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('x_seconds_bucket{le="+Inf",service="a",route="r1"} 5');
  });

  it('binds a label set once: the same series comes back, and reset empties it', async () => {
    const r = new Registry();
    const b = new BoundHistogram('y_seconds', 'Time.', ['route'] as const, BUCKETS, r);
    expect(b.series({ route: 'a' })).toBe(b.series({ route: 'a' }));
    b.series({ route: 'a' }).observe(Number.NaN);
    expect(await r.metrics()).toContain('y_seconds_count{route="a"} 0');
    const held = b.series({ route: 'a' });
    r.resetMetrics();
    expect(await r.metrics()).not.toContain('y_seconds_count');
    held.observe(0.5);
    expect(await r.metrics()).toContain('y_seconds_count{route="a"} 1');
  });
});
