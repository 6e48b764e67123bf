import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPgSchema, hasPostgres, PG_URL } from '../../test-support/services.js';
import { Store } from '../store.js';
import { CallLogStore } from './call-logs.js';
import { openTelemetryConnection } from './connection.js';
import { RollupStore } from './rollups.js';
import { chunkCodec, chunksOfRows } from '../../telemetry/chunk-codec.js';
import { newRequestId } from '../../gateway/request-id.js';
import { presentRow } from '../../telemetry/record.js';
import { slicesOf } from '../../telemetry/rollup/accumulator.js';
import { ROLLUP_MEASURES, type CallLogRow, type RollupRow, type SliceRow } from './tables.js';

export function logRow(p: Partial<CallLogRow> = {}): CallLogRow {
  return {
    ts: 1_700_000_000_000, request_id: 'r', team: null, api: null, service_id: 'svc', route_id: 'rt', consumer_id: null, credential_id: null,
    client_ip: '127.0.0.1', method: 'GET', path: '/x', host: null, status: 200, answered_by: 'upstream', code: null, policy_id: null,
    config_version: 1, duration_ms: 1.5, overhead_ms: 0.2, connect_ms: 0, first_byte_ms: 1, upstream_ms: 1.3, bytes_in: null, bytes_out: 10,
    upstream_target: 'http://127.0.0.1:1', attempts: 1, provider: null, model: null, ai_attempts: null, tokens_input: null, tokens_output: null,
    tokens_cached: null, tokens_reasoning: null, cost: null, trace: '{"entries":[]}', request_body: null, response_body: null, ...p,
  };
}

const EMPTY_SKETCH = '1|0.005|0|0|0|0|0|0|';

const sumJson = (a: string, b: string): string => {
  const out = JSON.parse(a) as Record<string, number>;
  for (const [k, n] of Object.entries(JSON.parse(b) as Record<string, number>)) out[k] = (out[k] ?? 0) + n;
  return JSON.stringify(out);
};

/** Full cells plus the slices a writer adds for them (the accumulator's own slicing). */
function withSlices(rows: RollupRow[]): { cells: RollupRow[]; slices: SliceRow[] } {
  const slices = new Map<string, SliceRow>();
  for (const r of rows) {
    for (const d of slicesOf(r)) {
      const key = JSON.stringify([r.grain, r.bucket, r.node, d.dim, d.value]);
      const prev = slices.get(key);
      const { team: _t, api: _a, route: _r, consumer: _c, provider: _p, model: _m, ...rest } = r;
      if (!prev) {
        slices.set(key, { ...rest, ...d });
        continue;
      }
      const next: SliceRow = { ...prev, statuses: sumJson(prev.statuses, r.statuses), codes: sumJson(prev.codes, r.codes) };
      for (const m of ROLLUP_MEASURES) next[m] = prev[m] + r[m];
      slices.set(key, next);
    }
  }
  return { cells: rows, slices: [...slices.values()] };
}

function rollupRow(p: Partial<RollupRow>): RollupRow {
  return {
    grain: 'minute', bucket: 0, node: 'n1', team: '', api: '', route: '', consumer: '', provider: '', model: '',
    requests: 0, denied: 0, client_errors: 0, server_errors: 0, bytes_in: 0, bytes_out: 0, tokens_input: 0, tokens_output: 0,
    tokens_cached: 0, tokens_reasoning: 0, cost: 0, latency_sum: 0, statuses: '{}', codes: '{}', latency: EMPTY_SKETCH, overhead: EMPTY_SKETCH, ...p,
  };
}

/** One suite, run on SQLite and on the real PostgreSQL. */
type Opened = { store: Pick<Store, 'db' | 'dialect'>; sqlite?: BetterSqlite3.Database; cleanup: () => Promise<void> };

function contract(name: string, open: () => Promise<Opened>) {
  describe(`telemetry store on ${name}`, () => {
    let store: Opened['store'];
    let sqlite: Opened['sqlite'];
    let cleanup: () => Promise<void>;
    let logs: CallLogStore;
    let rollups: RollupStore;
    const T0 = 1_700_000_000_000;

    beforeAll(async () => {
      ({ store, sqlite, cleanup } = await open());
      logs = new CallLogStore(store.db, store.dialect, chunkCodec, sqlite);
      rollups = new RollupStore(store.db, store.dialect, sqlite);
      const rows: CallLogRow[] = [];
      for (let i = 0; i < 120; i++) {
        rows.push(logRow({
          ts: T0 + i * 1000,
          request_id: `req-${i}`,
          status: i % 10 === 0 ? 403 : i % 7 === 0 ? 502 : 200,
          answered_by: i % 10 === 0 || i % 7 === 0 ? 'gateway' : 'upstream',
          code: i % 10 === 0 ? 'acl.denied' : i % 7 === 0 ? 'upstream.connect_failed' : null,
          policy_id: i % 10 === 0 ? 'route:rt:acl' : null,
          consumer_id: i % 2 ? 'alice' : 'bob',
          route_id: i % 3 ? 'orders' : 'users',
          api: i % 3 ? 'orders-api' : 'users-api',
          team: 'payments',
          model: i % 4 === 0 ? 'gpt-4o' : null,
          path: i === 5 ? '/Orders/50%_off' : `/orders/${i}`,
        }));
      }
      for (const c of chunksOfRows(rows)) await logs.insert(c);
    });
    afterAll(async () => {
      await cleanup();
    });

    it('filters by time range, status class, reason code, consumer, API, route, model, request id', async () => {
      const all = async (f: Parameters<CallLogStore['query']>[0]) => (await logs.query({ limit: 1000, ...f })).items.map((r) => r.request_id);
      expect(await all({ from: T0 + 10_000, to: T0 + 13_000 })).toEqual(['req-12', 'req-11', 'req-10']);
      expect((await all({ statusMin: 400, statusMax: 499 })).length).toBe(12);
      expect((await all({ code: 'upstream.connect_failed' })).length).toBe(16);
      expect((await all({ denied: true })).length).toBe(12);
      expect((await all({ consumer: 'alice', route: 'users' })).every((id) => Number(id.slice(4)) % 2 === 1 && Number(id.slice(4)) % 3 === 0)).toBe(true);
      expect((await all({ api: 'users-api' })).length).toBe(40);
      expect((await all({ model: 'gpt-4o' })).length).toBe(30);
      expect(await all({ requestId: 'req-77' })).toEqual(['req-77']);
      expect(await all({ team: 'nobody' })).toEqual([]);
    });

    it('matches free text in the path case-insensitively, with LIKE wildcards taken literally', async () => {
      expect((await logs.query({ q: '50%_OFF' })).items.map((r) => r.request_id)).toEqual(['req-5']);
      expect((await logs.query({ q: '%' })).items.map((r) => r.request_id)).toEqual(['req-5']);
      expect((await logs.query({ q: 'orders/11', limit: 1000 })).items.map((r) => r.request_id).sort()).toEqual(['req-11', 'req-110', 'req-111', 'req-112', 'req-113', 'req-114', 'req-115', 'req-116', 'req-117', 'req-118', 'req-119']);
    });

    it('pages newest first with a cursor: every record once, in order', async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const page = await logs.query({ limit: 25, cursor, statusMin: 200, statusMax: 200 });
        seen.push(...page.items.map((r) => r.request_id));
        if (!page.next) break;
        cursor = page.next;
      }
      const expected = Array.from({ length: 120 }, (_, i) => i).filter((i) => !(i % 10 === 0 || i % 7 === 0)).reverse().map((i) => `req-${i}`);
      expect(seen).toEqual(expected);
    });

    it('follows in insertion order from the tail cursor', async () => {
      const start = await logs.query({ order: 'asc', cursor: await logs.tailCursor() });
      expect(start.items).toEqual([]);
      for (const c of chunksOfRows([logRow({ ts: T0 - 5000, request_id: 'late-1' }), logRow({ ts: T0 + 500_000, request_id: 'late-2', status: 404, answered_by: 'gateway', code: 'route.not_found' })])) await logs.insert(c);
      const next = await logs.query({ order: 'asc', cursor: start.next });
      expect(next.items.map((r) => r.request_id)).toEqual(['late-1', 'late-2']);
      const denied = await logs.query({ order: 'asc', cursor: start.next, denied: true });
      expect(denied.items.map((r) => r.request_id)).toEqual(['late-2']);
      const after = await logs.query({ order: 'asc', cursor: next.next });
      expect(after.items).toEqual([]);
      expect(after.next).toBe(next.next);
    });

    it('returns a full record with its trace, and refuses a forged cursor', async () => {
      const r = await logs.get('req-10');
      expect(r?.code).toBe('acl.denied');
      expect(presentRow(r!, true).trace).toMatchObject({ requestId: 'req-10', entries: [], decidedBy: { id: 'route:rt:acl', name: 'acl', scope: 'route' } });
      await expect(logs.query({ cursor: 'bm9wZQ' })).rejects.toThrow(/invalid cursor/);
      expect(await logs.get('nope')).toBeUndefined();
    });

    it('finds a gateway-made request id by the time it carries, and a long request by its id term', async () => {
      const start = T0 + 900_000;
      const quick = newRequestId(start + 120_000);
      const long = newRequestId(start);
      // One batch: a quick request, and one that started two minutes before it and finished with it.
      for (const c of chunksOfRows([logRow({ ts: start + 120_000, request_id: quick }), logRow({ ts: start, request_id: long, duration_ms: 120_000 })])) await logs.insert(c);
      expect((await logs.get(quick))?.ts).toBe(start + 120_000);
      expect((await logs.get(long))?.ts).toBe(start);
      expect((await logs.query({ requestId: long })).items.map((r) => r.request_id)).toEqual([long]);
      expect(await logs.get(newRequestId(start + 30_000))).toBeUndefined();
    });

    it('deletes by age in chunks', async () => {
      const before = await logs.count();
      const n = await logs.deleteOlderThan(T0 + 50_000, 7);
      expect(n).toBe(51);
      expect(await logs.count()).toBe(before - 51);
    });

    it('upserts rollup rows whole and aggregates them per step, over nodes', async () => {
      const base = Date.UTC(2030, 0, 1);
      await rollups.upsert(withSlices([
        rollupRow({ bucket: base, node: 'n1', team: 'pay', route: 'orders', consumer: 'alice', requests: 5, denied: 1, statuses: '{"200":4,"403":1}', codes: '{"acl.denied":1}' }),
        rollupRow({ bucket: base, node: 'n2', team: 'pay', route: 'orders', consumer: 'bob', requests: 3, server_errors: 1, statuses: '{"200":2,"502":1}', codes: '{"upstream.reset":1}' }),
        rollupRow({ bucket: base + 60_000, node: 'n1', team: 'ops', route: 'users', consumer: 'alice', requests: 2, cost: 0.25, tokens_input: 10, tokens_output: 5, model: 'gpt-4o' }),
      ]));
      // A rewrite by the same node replaces its rows (full cells and slices).
      await rollups.upsert(withSlices([rollupRow({ bucket: base, node: 'n1', team: 'pay', route: 'orders', consumer: 'alice', requests: 6, denied: 2, statuses: '{"200":4,"403":2}', codes: '{"acl.denied":2}' })]));
      const range = { from: base, to: base + 120_000, grain: 'minute' as const };
      const s = await rollups.series(range);
      expect(s.points.map((p) => [p.t, p.requests, p.denied, p.server_errors])).toEqual([[base, 9, 2, 1], [base + 60_000, 2, 0, 0]]);
      const wide = await rollups.series({ ...range, step: 120_000 });
      expect(wide.points.map((p) => [p.t, p.requests, p.cost])).toEqual([[base, 11, 0.25]]);
      // One dimension: read from its slices; two: from the full cells. Same answers.
      expect((await rollups.series({ ...range, route: 'orders' })).points.map((p) => p.requests)).toEqual([9]);
      expect((await rollups.series({ ...range, route: 'orders', consumer: 'alice' })).points.map((p) => p.requests)).toEqual([6]);
      expect((await rollups.series({ ...range, route: 'orders', team: 'ops' })).points).toEqual([]);
      expect(await rollups.top({ ...range, by: 'route', metric: 'requests' })).toMatchObject([{ key: 'orders', value: 9 }, { key: 'users', value: 2 }]);
      expect(await rollups.top({ ...range, by: 'consumer', metric: 'requests', team: 'pay' })).toMatchObject([{ key: 'alice', value: 6 }, { key: 'bob', value: 3 }]);
      expect(await rollups.top({ ...range, by: 'route', metric: 'tokens' })).toMatchObject([{ key: 'users', value: 15 }]);
      expect(await rollups.top({ ...range, by: 'model', metric: 'cost' })).toMatchObject([{ key: 'gpt-4o', value: 0.25 }]);
      expect(await rollups.breakdown({ ...range, route: 'orders' })).toEqual({ statuses: { '200': 6, '403': 2, '502': 1 }, codes: { 'acl.denied': 2, 'upstream.reset': 1 } });
      expect(await rollups.breakdown(range)).toEqual({ statuses: { '200': 6, '403': 2, '502': 1 }, codes: { 'acl.denied': 2, 'upstream.reset': 1 } });
      // A team-scoped reader: only their teams, whatever else the query asks.
      expect((await rollups.series({ ...range, teams: ['ops'] })).points.map((p) => p.requests)).toEqual([2]);
      expect((await rollups.series({ ...range, teams: ['ops', 'pay'], route: 'orders' })).points.map((p) => p.requests)).toEqual([9]);
      expect((await rollups.series({ ...range, teams: [] })).points).toEqual([]);
      expect(await rollups.top({ ...range, by: 'team', metric: 'requests', teams: ['pay'] })).toMatchObject([{ key: 'pay', value: 9 }]);
      expect((await rollups.sketches({ ...range })).length).toBe(3); // the grand-total slice of each (bucket, node)
      expect((await rollups.sketches({ ...range, route: 'orders', consumer: 'alice' })).length).toBe(1); // a full cell
      expect(await rollups.deleteOlderThan('minute', base + 60_000)).toBe(2 * 8);
      expect((await rollups.series(range)).points.map((p) => p.requests)).toEqual([2]);
    });

    it('restricts call logs to the teams a reader may see', async () => {
      expect((await logs.query({ teams: ['payments'], limit: 1000 })).items.length).toBeGreaterThan(0);
      expect((await logs.query({ teams: ['nobody'] })).items).toEqual([]);
      expect((await logs.query({ teams: [] })).items).toEqual([]);
    });
  });
}

contract('SQLite', async () => {
  const store = await Store.open({ url: ':memory:' });
  return { store, cleanup: () => store.close() };
});

// The telemetry worker's own connection to a SQLite file: chunks and rollups written with prepared statements.
contract('a SQLite file (raw prepared statements)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-telemetry-'));
  const file = join(dir, 'sluice.db');
  const migrated = await Store.open({ url: file });
  await migrated.close();
  const conn = openTelemetryConnection(file);
  return { store: conn, sqlite: conn.sqlite, cleanup: async () => { await conn.db.destroy(); rmSync(dir, { recursive: true, force: true }); } };
});

if (await hasPostgres()) {
  contract('PostgreSQL', async () => {
    const { schema, drop } = await freshPgSchema('telemetry');
    const store = await Store.open({ url: PG_URL, schema });
    return { store, cleanup: async () => { await store.close(); await drop(); } };
  });
}
