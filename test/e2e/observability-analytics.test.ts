import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestTrace } from '../../src/core/trace.js';
import { Store } from '../../src/store/store.js';
import { GRAIN_MS } from '../../src/store/telemetry/tables.js';
import type { DimensionTable } from '../../src/telemetry/dimensions.js';
import { compileSettings } from '../../src/telemetry/settings.js';
import type { SeriesResult, SummaryResult, TopResult } from '../../src/telemetry/worker/analytics.js';
import { TelemetryEngine } from '../../src/telemetry/worker/engine.js';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { consumer } from '../../src/test-support/llm-mocks/helpers.js';
import { freshPgSchema, hasPostgres, PG_URL } from '../../src/test-support/services.js';
import { startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';

/** The value of rank floor(q·(n−1)) — the definition DDSketch answers within its relative accuracy. */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

function expectWithin1pct(approx: number | null | undefined, exact: number, what: string): void {
  expect(approx, what).not.toBeNull();
  expect(Math.abs(approx! - exact), `${what}: ${approx} vs exact ${exact}`).toBeLessThanOrEqual(exact * 0.01);
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Synthetic {
  readonly trace: RequestTrace;
  readonly team: string;
  readonly api: string;
  readonly end: number;
  readonly overhead: number;
  readonly denied: boolean;
  readonly model?: string;
  readonly cost: number;
  readonly tokens: number;
}

const ROUTES = [
  { id: 'orders', service: 'orders-svc', team: 'payments', api: 'orders' },
  { id: 'refunds', service: 'orders-svc', team: 'payments', api: 'orders' },
  { id: 'users', service: 'users-svc', team: 'identity', api: 'users' },
  { id: 'chat', service: 'llm', team: 'ml', api: 'llm', ai: true },
  { id: 'embed', service: 'llm', team: 'ml', api: 'llm', ai: true },
] as const;
const MODELS = [{ provider: 'openai', model: 'gpt-4o', price: 1e-5 }, { provider: 'openai', model: 'gpt-4o-mini', price: 1e-6 }, { provider: 'anthropic', model: 'claude-haiku', price: 4e-6 }];
const T0 = Date.UTC(2031, 0, 6, 21, 0, 0); // three hours across midnight: two days, four hours

const DIMS: DimensionTable = {
  version: 1,
  routes: Object.fromEntries(ROUTES.map((r) => [r.id, { team: r.team, api: r.api }])),
  services: { 'orders-svc': { team: 'payments', api: 'orders' }, 'users-svc': { team: 'identity', api: 'users' }, llm: { team: 'ml', api: 'llm' } },
};

/** A known load: 30,000 requests over three hours, long-tailed latencies, denials, upstream failures, AI usage. */
function syntheticLoad(n: number): Synthetic[] {
  const rnd = mulberry32(42);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const out: Synthetic[] = [];
  for (let i = 0; i < n; i++) {
    const r = ROUTES[Math.floor(rnd() * ROUTES.length)]!;
    const consumerId = `c${Math.floor(rnd() ** 2 * 40)}`;
    const ts = T0 + Math.floor((i / n) * 3 * 3_600_000);
    const dice = rnd();
    const denied = dice < 0.08;
    const failed = !denied && dice < 0.11;
    const overhead = 0.05 + rnd() * 1.5;
    const upstreamMs = denied ? 0 : Math.exp(3 + 1.2 * normal());
    const duration = overhead + upstreamMs;
    const m = 'ai' in r && !denied ? MODELS[Math.floor(rnd() * MODELS.length)]! : undefined;
    const tokensIn = m ? 10 + Math.floor(rnd() * 500) : 0;
    const tokensOut = m && !failed ? Math.floor(rnd() * 800) : 0;
    const cost = m ? (tokensIn + tokensOut) * m.price : 0;
    const status = denied ? (rnd() < 0.5 ? 401 : 403) : failed ? 502 : 200;
    const code = denied ? (status === 401 ? 'auth.key_missing' : 'acl.denied') : failed ? 'upstream.connect_failed' : undefined;
    const trace: RequestTrace = {
      requestId: `syn-${i}`, timestamp: ts, configVersion: 1, method: 'GET', path: `/${r.id}/${i}`, clientIp: '10.0.0.1',
      routeId: r.id, serviceId: r.service, consumerId: denied && status === 401 ? undefined : consumerId, status, code,
      decidedBy: denied ? { id: `route:${r.id}:${status === 401 ? 'key-auth' : 'acl'}`, name: status === 401 ? 'key-auth' : 'acl', scope: 'route' } : undefined,
      answeredBy: denied || failed ? 'gateway' : 'upstream', simulated: false, durationMs: duration, bytesIn: 100, bytesOut: denied ? 250 : 1000,
      upstream: denied ? undefined : { attempts: 1, firstByteMs: upstreamMs / 2, target: 'http://10.0.0.2:80' },
      annotations: m ? { ai: { api: 'chat', provider: m.provider, model: m.model, attempts: 1, tokens: { input: tokensIn, output: tokensOut, cached: 0, reasoning: 0, cache_write: 0 }, cost } } : undefined,
      entries: denied ? [] : [{ step: 'upstream', phase: 'upstream', outcome: failed ? 'error' : 'allow', code: failed ? 'upstream.connect_failed' : undefined, data: { target: 'http://10.0.0.2:80', attempt: 1 }, ms: upstreamMs }],
    };
    const consumerDim = trace.consumerId;
    out.push({ trace: { ...trace, consumerId: consumerDim }, team: r.team, api: r.api, end: ts + duration, overhead, denied, model: m?.model, cost, tokens: tokensIn + tokensOut });
  }
  return out;
}

function count<T>(items: readonly T[], key: (t: T) => string | undefined): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of items) {
    const k = key(t);
    if (k !== undefined) m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

const sortedDurations = (items: readonly Synthetic[]) => items.map((s) => s.trace.durationMs).sort((a, b) => a - b);

function engineSuite(name: string, open: () => Promise<{ url: string; schema?: string; cleanup: () => Promise<void> }>) {
  describe(`analytics of a known synthetic load on ${name}`, () => {
    const load = syntheticLoad(30_000);
    const from = T0;
    const to = T0 + 4 * 3_600_000;
    let engine: TelemetryEngine;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      const o = await open();
      cleanup = o.cleanup;
      engine = await TelemetryEngine.open({ url: o.url, schema: o.schema, node: 'test-node', log: () => undefined });
      await engine.configure(compileSettings({ logs: { enabled: false } }));
      engine.setDimensions(DIMS);
      for (let i = 0; i < load.length; i += 2000) await engine.ingest(load.slice(i, i + 2000).map((s) => s.trace));
      await engine.flushRollups(Date.now());
    }, 120_000);
    afterAll(async () => {
      await engine.close();
      await cleanup();
    });

    it('counts exactly, on every grain: requests, denials, errors by status and reason code, tokens, cost, bytes', async () => {
      const statuses = Object.fromEntries(count(load, (s) => String(s.trace.status)));
      const codes = Object.fromEntries(count(load, (s) => s.trace.code));
      // No grain: hours at the edges, whole days from the day rows.
      for (const grain of ['minute', 'hour', 'day', undefined] as const) {
        const s = (await engine.analytics({ kind: 'summary', filter: { from: T0 - GRAIN_MS.day, to: to + GRAIN_MS.day, grain } })) as SummaryResult;
        expect(s.totals.requests, grain).toBe(load.length);
        expect(s.totals.denied).toBe(load.filter((x) => x.denied).length);
        expect(s.totals.server_errors).toBe(load.filter((x) => x.trace.status >= 500).length);
        expect(s.totals.client_errors).toBe(load.filter((x) => x.trace.status >= 400 && x.trace.status < 500).length);
        expect(s.statuses).toEqual(statuses);
        expect(s.codes).toEqual(codes);
        expect(s.totals.tokens_input + s.totals.tokens_output).toBe(load.reduce((a, x) => a + x.tokens, 0));
        expect(s.totals.cost).toBeCloseTo(load.reduce((a, x) => a + x.cost, 0), 9);
        expect(s.totals.bytes_out).toBe(load.reduce((a, x) => a + (x.trace.bytesOut ?? 0), 0));
      }
    });

    it('gives p50/p95/p99 within 1% of the exact values, from merged sketches', async () => {
      const exact = sortedDurations(load);
      const overhead = load.map((x) => x.overhead).sort((a, b) => a - b);
      for (const grain of ['minute', 'hour', 'day', undefined] as const) {
        const s = (await engine.analytics({ kind: 'summary', filter: { from: T0 - GRAIN_MS.day, to: to + GRAIN_MS.day, grain } })) as SummaryResult;
        for (const [q, k] of [[0.5, 'p50'], [0.95, 'p95'], [0.99, 'p99']] as const) {
          expectWithin1pct(s.latency_ms[k], exactQuantile(exact, q), `${grain} latency ${k}`);
          expectWithin1pct(s.gateway_ms[k], exactQuantile(overhead, q), `${grain} gateway ${k}`);
        }
      }
      // One dimension (slices) and two dimensions (full cells): the same guarantee.
      const orders = load.filter((x) => x.api === 'orders');
      const s1 = (await engine.analytics({ kind: 'summary', filter: { from, to, api: 'orders' } })) as SummaryResult;
      expect(s1.totals.requests).toBe(orders.length);
      expectWithin1pct(s1.latency_ms.p99, exactQuantile(sortedDurations(orders), 0.99), 'api=orders p99');
      const c3 = orders.filter((x) => x.trace.consumerId === 'c3');
      const s2 = (await engine.analytics({ kind: 'summary', filter: { from, to, api: 'orders', consumer: 'c3' } })) as SummaryResult;
      expect(s2.totals.requests).toBe(c3.length);
      expectWithin1pct(s2.latency_ms.p95, exactQuantile(sortedDurations(c3), 0.95), 'api=orders consumer=c3 p95');
    });

    it('answers a time series: per step, counts by the bucket in which requests finished', async () => {
      const hours = count(load, (x) => String(x.end - (x.end % GRAIN_MS.hour)));
      const s = (await engine.analytics({ kind: 'series', filter: { from, to, grain: 'minute' }, step: GRAIN_MS.hour })) as SeriesResult;
      expect(s.step_ms).toBe(GRAIN_MS.hour);
      expect(s.points.map((p) => [p.t, p.requests])).toEqual([...hours].map(([t, n]) => [Number(t), n]).sort((a, b) => a[0]! - b[0]!));
      const first = load.filter((x) => x.end - (x.end % GRAIN_MS.hour) === s.points[0]!.t);
      expectWithin1pct(s.points[0]!.latency_ms.p95, exactQuantile(sortedDurations(first), 0.95), 'first hour p95');
      const days = (await engine.analytics({ kind: 'series', filter: { from, to, grain: 'day' } })) as SeriesResult;
      expect(days.points.map((p) => p.requests)).toEqual([...count(load, (x) => String(x.end - (x.end % GRAIN_MS.day)))].sort().map(([, n]) => n));
    });

    it('ranks top consumers, top denied routes, most expensive models and slowest routes', async () => {
      const filter = { from, to, grain: 'hour' as const };
      // Denials before authentication have no consumer: they rank under `null`.
      const byConsumer = [...count(load, (x) => x.trace.consumerId ?? '')].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 8);
      const top = (await engine.analytics({ kind: 'top', filter, by: 'consumer', metric: 'requests', limit: 8 })) as TopResult;
      expect(top.items.map((i) => [i.key ?? '', i.value])).toEqual(byConsumer);
      const wide = (await engine.analytics({ kind: 'top', filter: { from: T0 - GRAIN_MS.day, to: to + GRAIN_MS.day }, by: 'consumer', metric: 'requests', limit: 8 })) as TopResult;
      expect(wide.items.map((i) => [i.key ?? '', i.value])).toEqual(byConsumer);
      const denied = [...count(load.filter((x) => x.denied), (x) => x.trace.routeId)].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      const topDenied = (await engine.analytics({ kind: 'top', filter, by: 'route', metric: 'denied', limit: 10 })) as TopResult;
      expect(topDenied.items.map((i) => [i.key, i.value])).toEqual(denied);
      const costs = new Map<string, number>();
      for (const x of load) if (x.model) costs.set(x.model, (costs.get(x.model) ?? 0) + x.cost);
      const expensive = (await engine.analytics({ kind: 'top', filter, by: 'model', metric: 'cost' })) as TopResult;
      expect(expensive.items.map((i) => i.key)).toEqual([...costs].sort((a, b) => b[1] - a[1]).map(([k]) => k));
      for (const i of expensive.items) expect(i.value).toBeCloseTo(costs.get(i.key!)!, 9);
      const slow = (await engine.analytics({ kind: 'top', filter, by: 'route', metric: 'latency_p95' })) as TopResult;
      expect(slow.items).toHaveLength(ROUTES.length);
      for (const i of slow.items) expectWithin1pct(i.value, exactQuantile(sortedDurations(load.filter((x) => x.trace.routeId === i.key)), 0.95), `route ${i.key} p95`);
      const teamOnly = (await engine.analytics({ kind: 'top', filter: { ...filter, teams: ['ml'] }, by: 'consumer', metric: 'requests', limit: 100 })) as TopResult;
      expect(teamOnly.items.reduce((a, i) => a + i.value, 0)).toBe(load.filter((x) => x.team === 'ml').length);
    });
  });
}

engineSuite('SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-analytics-'));
  const url = join(dir, 'sluice.db');
  const store = await Store.open({ url });
  await store.close();
  return { url, cleanup: () => rm(dir, { recursive: true, force: true }) };
});

if (await hasPostgres()) {
  engineSuite('PostgreSQL', async () => {
    const { schema, drop } = await freshPgSchema('analytics');
    const store = await Store.open({ url: PG_URL, schema });
    await store.close();
    return { url: PG_URL, schema, cleanup: drop };
  });
}

/** Real requests through a real gateway; the exact durations come from the call logs of the same requests. */
function gatewaySuite(name: string, extra: () => Promise<{ options: Parameters<typeof startGateway>[1]; cleanup: () => Promise<void> }>) {
  describe(`analytics of real traffic through the gateway on ${name}`, () => {
    let up: TestUpstream;
    let gw: TestGateway;
    let cleanup: () => Promise<void>;
    const KEYS = { alice: 'sluice_test_alice_analytics_0001', bob: 'sluice_test_bob_analytics_00001' };
    const sent = { ok: 0, denied: 0, byConsumer: { alice: 0, bob: 0 } };

    beforeAll(async () => {
      const e = await extra();
      cleanup = e.cleanup;
      up = await startUpstream((req, res) => {
        const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0);
        setTimeout(() => res.end('ok'), ms);
      });
      gw = await startGateway({
        services: [{ id: 'svc', upstream: { targets: [up.url] }, tags: ['team:payments'] }],
        routes: [{ id: 'api', service: 'svc', paths: ['/api'], policies: [{ name: 'key-auth' }] }],
        consumers: [consumer('alice', KEYS.alice), consumer('bob', KEYS.bob)],
      }, e.options);
      const rnd = mulberry32(7);
      const jobs: (() => Promise<void>)[] = [];
      for (let i = 0; i < 240; i++) {
        const who = rnd() < 0.7 ? 'alice' : 'bob';
        const deny = rnd() < 0.1;
        const ms = Math.floor(rnd() ** 3 * 60);
        jobs.push(async () => {
          const r = await call(`${gw.url}/api/x?ms=${ms}`, { headers: deny ? {} : { 'x-api-key': KEYS[who] } });
          if (deny) {
            expect(r.status).toBe(401);
            sent.denied++;
          } else {
            expect(r.status).toBe(200);
            sent.ok++;
            sent.byConsumer[who]++;
          }
        });
      }
      await Promise.all(Array.from({ length: 8 }, async () => {
        for (let j = jobs.shift(); j; j = jobs.shift()) await j();
      }));
    }, 60_000);
    afterAll(async () => {
      await gw.close();
      await up.close();
      await cleanup();
    });

    it('matches what was sent exactly, and the call logs\' own durations within 1%', async () => {
      const s = (await call(`${gw.admin}/analytics/summary?from=1h`)).json<SummaryResult>();
      expect(s.totals.requests).toBe(240);
      expect(s.totals.denied).toBe(sent.denied);
      expect(s.statuses).toEqual({ '200': sent.ok, '401': sent.denied });
      expect(s.codes).toEqual({ 'auth.key_missing': sent.denied });
      const top = (await call(`${gw.admin}/analytics/top?from=1h&by=consumer`)).json<TopResult>();
      expect(top.items).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'alice', value: sent.byConsumer.alice }), expect.objectContaining({ key: 'bob', value: sent.byConsumer.bob }), expect.objectContaining({ key: null, value: sent.denied })]));
      const logs = (await call(`${gw.admin}/logs?limit=1000`)).json<{ items: { timings: { total_ms: number } }[] }>().items;
      expect(logs).toHaveLength(240);
      const exact = logs.map((l) => l.timings.total_ms).sort((a, b) => a - b);
      for (const [q, k] of [[0.5, 'p50'], [0.95, 'p95'], [0.99, 'p99']] as const) expectWithin1pct(s.latency_ms[k], exactQuantile(exact, q), k);
      const series = (await call(`${gw.admin}/analytics/series?from=1h&step=1h`)).json<SeriesResult>();
      expect(series.points.reduce((a, p) => a + p.requests, 0)).toBe(240);
    });
  });
}

gatewaySuite('SQLite', async () => ({ options: {}, cleanup: async () => undefined }));

if (await hasPostgres()) {
  gatewaySuite('PostgreSQL', async () => {
    const { schema, drop } = await freshPgSchema('analytics_gw');
    return { options: { storeUrl: PG_URL, storeSchema: schema }, cleanup: drop };
  });
}
