import { describe, expect, it } from 'vitest';
import type { RequestTrace } from '../../core/trace.js';
import { ALL, GRAIN_MS, type RollupRow } from '../../store/telemetry/tables.js';
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

const isTotal = (r: RollupRow) => r.team === ALL && r.api === ALL && r.route === ALL && r.consumer === ALL && r.provider === ALL && r.model === ALL;
const isFull = (r: RollupRow) => [r.team, r.api, r.route, r.consumer, r.provider, r.model].every((v) => v !== ALL);

describe('rollup accumulator', () => {
  it('counts each request in its full cell and in the 7 slices, per grain', () => {
    const acc = new RollupAccumulator('n1');
    acc.add(callFacts(trace({ consumerId: 'alice', durationMs: 5 }), undefined));
    acc.add(callFacts(trace({ consumerId: 'bob', status: 403, code: 'acl.denied', answeredBy: 'gateway', decidedBy: { id: 'p', name: 'acl', scope: 'route' }, durationMs: 7 }), undefined));
    const rows = acc.drain(T0);
    const minute = rows.filter((r) => r.grain === 'minute');
    expect(minute.filter(isFull).map((r) => [r.consumer, r.requests, r.denied])).toEqual([['alice', 1, 0], ['bob', 1, 1]]);
    const total = minute.find(isTotal)!;
    expect(total).toMatchObject({ requests: 2, denied: 1, client_errors: 1, statuses: '{"200":1,"403":1}', codes: '{"acl.denied":1}', latency_sum: 12 });
    expect(DDSketch.deserialize(total.latency).count).toBe(2);
    const byConsumer = minute.filter((r) => r.consumer !== ALL && r.route === ALL);
    expect(byConsumer.map((r) => [r.consumer, r.requests])).toEqual([['alice', 1], ['bob', 1]]);
    const byRoute = minute.filter((r) => r.route !== ALL && r.consumer === ALL);
    expect(byRoute.map((r) => [r.route, r.requests])).toEqual([['orders', 2]]);
    // 2 full cells + 1 total + 6 dimensions (consumer has two values): 10 rows per grain.
    expect(rows.filter((r) => r.grain === 'hour')).toHaveLength(10);
    expect(rows.filter((r) => r.grain === 'day')).toHaveLength(10);
  });

  it('counts a request in the bucket in which it finished', () => {
    const acc = new RollupAccumulator('n1');
    acc.add(callFacts(trace({ timestamp: T0 + 59_990, durationMs: 20 }), undefined));
    const minutes = acc.drain(T0).filter((r) => r.grain === 'minute' && isTotal(r));
    expect(minutes.map((r) => r.bucket)).toEqual([T0 + GRAIN_MS.minute]);
  });

  it('writes only what changed since the last drain, with its full state', () => {
    const acc = new RollupAccumulator('n1');
    acc.add(callFacts(trace({ consumerId: 'alice' }), undefined));
    acc.add(callFacts(trace({ consumerId: 'bob' }), undefined));
    acc.drain(T0);
    acc.add(callFacts(trace({ consumerId: 'alice' }), undefined));
    const rows = acc.drain(T0).filter((r) => r.grain === 'minute');
    expect(rows.some((r) => r.consumer === 'bob')).toBe(false);
    expect(rows.find(isTotal)!.requests).toBe(3);
    expect(rows.find((r) => isFull(r) && r.consumer === 'alice')!.requests).toBe(2);
  });

  it('stays bounded whatever the cardinality, and keeps the totals right', () => {
    const max = 500;
    const acc = new RollupAccumulator('n1', max);
    // Each new consumer adds two cells (full, consumer slice): the cap is reached after about max/2 of them.
    const n = 2 * max;
    for (let i = 0; i < n; i++) acc.add(callFacts(trace({ consumerId: `c${i}` }), undefined));
    expect(acc.size).toBeLessThanOrEqual(3 * (max + 8));
    const minute = acc.drain(T0).filter((r) => r.grain === 'minute');
    expect(minute.find(isTotal)!.requests).toBe(n);
    expect(minute.filter(isFull).reduce((a, r) => a + r.requests, 0)).toBe(n);
    expect(minute.filter((r) => r.consumer !== ALL && r.route === ALL).reduce((a, r) => a + r.requests, 0)).toBe(n);
    expect(minute.find((r) => isFull(r) && r.consumer === '(other)')!.requests).toBeGreaterThan(0);
  });

  it('writes a bucket reopened by a late record under another writer id, never over the closed row', () => {
    const acc = new RollupAccumulator('n1');
    acc.add(callFacts(trace(), undefined));
    const first = acc.drain(T0 + 3 * GRAIN_MS.day);
    expect(new Set(first.map((r) => r.node))).toEqual(new Set(['n1']));
    acc.add(callFacts(trace({ requestId: 'late' }), undefined));
    const late = acc.drain(T0 + 3 * GRAIN_MS.day);
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((r) => r.node !== 'n1' && r.node.startsWith('n1+'))).toBe(true);
    expect(late.find((r) => r.grain === 'minute' && isTotal(r))!.requests).toBe(1);
  });

  it('keeps a configured value that looks like the slice marker apart from it', () => {
    const acc = new RollupAccumulator('n1');
    acc.add(callFacts(trace({ consumerId: '*' }), undefined));
    const full = acc.drain(T0).filter((r) => r.grain === 'minute' && r.requests === 1 && r.route === 'orders' && r.team === '');
    expect(full.map((r) => r.consumer)).toEqual(['(*)']);
  });
});
