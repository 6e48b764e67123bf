import { describe, expect, it } from 'vitest';
import type { RequestTrace } from '../../core/trace.js';
import { GRAIN_MS } from '../../store/telemetry/tables.js';
import { callFacts } from '../record.js';
import { DDSketch } from '../sketch/ddsketch.js';
import { RollupAccumulator } from './accumulator.js';

const T0 = Date.UTC(2031, 0, 1, 10, 0, 0);

function trace(p: Partial<RequestTrace> = {}): RequestTrace {
  return {
    requestId: 'r', timestamp: T0, configVersion: 1, method: 'GET', path: '/', clientIp: '127.0.0.1', routeId: 'orders', serviceId: 'svc',
    status: 200, answeredBy: 'upstream', simulated: false, durationMs: 10, entries: [], ...p,
  };
}

describe('rollup accumulator', () => {
  it('counts each request in its full cell and in the 7 slices, per grain', () => {
    const acc = new RollupAccumulator('n1');
    acc.add(callFacts(trace({ consumerId: 'alice', durationMs: 5 }), undefined));
    acc.add(callFacts(trace({ consumerId: 'bob', status: 403, code: 'acl.denied', answeredBy: 'gateway', decidedBy: { id: 'p', name: 'acl', scope: 'route' }, durationMs: 7 }), undefined));
    const { cells, slices } = acc.drain(T0);
    const minute = cells.filter((r) => r.grain === 'minute');
    expect(minute.map((r) => [r.consumer, r.requests, r.denied])).toEqual([['alice', 1, 0], ['bob', 1, 1]]);
    const total = slices.find((r) => r.grain === 'minute' && r.dim === '')!;
    expect(total).toMatchObject({ value: '', requests: 2, denied: 1, client_errors: 1, statuses: '{"200":1,"403":1}', codes: '{"acl.denied":1}', latency_sum: 12 });
    expect(DDSketch.deserialize(total.latency).count).toBe(2);
    const m = slices.filter((r) => r.grain === 'minute');
    expect(m.filter((r) => r.dim === 'consumer').map((r) => [r.value, r.requests])).toEqual([['alice', 1], ['bob', 1]]);
    expect(m.filter((r) => r.dim === 'route').map((r) => [r.value, r.requests])).toEqual([['orders', 2]]);
    expect(m.filter((r) => r.dim === 'model').map((r) => [r.value, r.requests])).toEqual([['', 2]]);
    // Per grain: 2 full cells; 1 total + 6 dimensions, consumer with two values.
    for (const g of ['hour', 'day'] as const) {
      expect(cells.filter((r) => r.grain === g)).toHaveLength(2);
      expect(slices.filter((r) => r.grain === g)).toHaveLength(8);
    }
  });

  it('adds a batch as one request after another would: same cells, totals and sketches', () => {
    const facts = Array.from({ length: 400 }, (_, i) =>
      callFacts(trace({
        // Across a minute boundary, three consumers, two routes (changing every request, or in runs),
        // statuses and codes mixed.
        timestamp: T0 + 59_000 + i * 5, durationMs: (i % 17) * 0.75, consumerId: ['alice', 'bob', 'carol'][i < 200 ? i % 3 : Math.floor(i / 7) % 3], routeId: (i < 200 ? i : i >> 3) % 2 ? 'orders' : 'users',
        status: i % 11 === 0 ? 429 : 200, code: i % 11 === 0 ? 'rate.limited' : undefined, answeredBy: i % 11 === 0 ? 'gateway' : 'upstream', bytesOut: i,
      }), undefined));
    const one = new RollupAccumulator('n1');
    for (const f of facts) one.add(f);
    const batch = new RollupAccumulator('n1');
    batch.addBatch(facts.slice(0, 150));
    batch.addBatch(facts.slice(150));
    const norm = (d: ReturnType<RollupAccumulator['drain']>) => [...d.cells, ...d.slices].map((r) => ({ ...r, latency_sum: Math.round(r.latency_sum * 1e6), latency: DDSketch.deserialize(r.latency).quantile(0.5), overhead: r.overhead }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const a = norm(one.drain(T0));
    expect(a.length).toBeGreaterThan(50);
    expect(norm(batch.drain(T0))).toEqual(a);
  });

  it('counts a request in the bucket in which it finished', () => {
    const acc = new RollupAccumulator('n1');
    acc.add(callFacts(trace({ timestamp: T0 + 59_990, durationMs: 20 }), undefined));
    expect(acc.drain(T0).slices.filter((r) => r.grain === 'minute' && r.dim === '').map((r) => r.bucket)).toEqual([T0 + GRAIN_MS.minute]);
  });

  it('writes only what changed since the last drain, with its full state', () => {
    const acc = new RollupAccumulator('n1');
    acc.add(callFacts(trace({ consumerId: 'alice' }), undefined));
    acc.add(callFacts(trace({ consumerId: 'bob' }), undefined));
    acc.drain(T0);
    acc.add(callFacts(trace({ consumerId: 'alice' }), undefined));
    const { cells, slices } = acc.drain(T0);
    expect(cells.some((r) => r.consumer === 'bob')).toBe(false);
    expect(slices.some((r) => r.dim === 'consumer' && r.value === 'bob')).toBe(false);
    expect(slices.find((r) => r.grain === 'minute' && r.dim === '')!.requests).toBe(3);
    expect(cells.find((r) => r.grain === 'minute' && r.consumer === 'alice')!.requests).toBe(2);
  });

  it('stays bounded whatever the cardinality, and keeps the totals right', () => {
    const max = 500;
    const acc = new RollupAccumulator('n1', max);
    // Each new consumer adds two cells (full, consumer slice): the bound is reached after about max/2 of them.
    const n = 2 * max;
    for (let i = 0; i < n; i++) acc.add(callFacts(trace({ consumerId: `c${i}` }), undefined));
    expect(acc.size).toBeLessThanOrEqual(3 * (max + 2));
    const { cells, slices } = acc.drain(T0);
    const m = slices.filter((r) => r.grain === 'minute');
    expect(m.find((r) => r.dim === '')!.requests).toBe(n);
    expect(cells.filter((r) => r.grain === 'minute').reduce((a, r) => a + r.requests, 0)).toBe(n);
    expect(m.filter((r) => r.dim === 'consumer').reduce((a, r) => a + r.requests, 0)).toBe(n);
    expect(m.find((r) => r.dim === 'consumer' && r.value === '(other)')!.requests).toBeGreaterThan(0);
    expect(cells.find((r) => r.grain === 'minute' && r.consumer === '(other)')!.requests).toBeGreaterThan(0);
  });

  it('writes a bucket reopened by a late record under another writer id, never over the closed row', () => {
    const acc = new RollupAccumulator('n1');
    acc.add(callFacts(trace(), undefined));
    const first = acc.drain(T0 + 3 * GRAIN_MS.day);
    expect(new Set([...first.cells, ...first.slices].map((r) => r.node))).toEqual(new Set(['n1']));
    acc.add(callFacts(trace({ requestId: 'late' }), undefined));
    const late = acc.drain(T0 + 3 * GRAIN_MS.day);
    const rows = [...late.cells, ...late.slices];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.node !== 'n1' && r.node.startsWith('n1+'))).toBe(true);
    expect(late.slices.find((r) => r.grain === 'minute' && r.dim === '')!.requests).toBe(1);
  });
});
