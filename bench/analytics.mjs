// Benchmark (issue 6, "Analytics"): "a week of data at 100 requests/s answers a dashboard query in
// < 200 ms", on SQLite and PostgreSQL. Synthesises the rollup rows a Sluice node writes for a week
// of traffic (60,480,000 requests at 100/s), then times the dashboard queries through the same code
// the admin API runs (dist/telemetry/worker/analytics.js over dist/store/telemetry/rollups.js).
//
//   npm run build && node bench/analytics.mjs [--store sqlite|postgres|both] [--json OUT]
//
// Knobs (env): RATE=100 (requests/s) DAYS=7 MINUTE_HOURS=6 (minute rows kept; the default
// retention is 48, the minute grain only serves ranges up to 6 h) CONSUMERS=500 RUNS=7
// PG_URL=postgres://postgres@127.0.0.1:5432/test KEEP=1 (keep the SQLite file / PG schema).
//
// The load is simulated request by request (every latency lands in a DDSketch), aggregated exactly
// as the accumulator does: full cells per (minute, team, API, route, consumer, provider, model),
// slices per dimension, hours and days merged from them. Cardinality: 4 teams, 12 APIs, 40 routes,
// CONSUMERS consumers (Zipf-distributed activity, 3 routes each), 3 providers, 6 models on the
// 2 AI APIs. Statuses: 92% 200, 3% 401 (no consumer), 2% 403, 1% 429, 1.5% 502, 0.5% 504.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

const dist = new URL('../dist/', import.meta.url);
const { DDSketch } = await import(new URL('telemetry/sketch/ddsketch.js', dist).href);
const { Store } = await import(new URL('store/store.js', dist).href);
const { RollupStore } = await import(new URL('store/telemetry/rollups.js', dist).href);
const { analyticsQuery } = await import(new URL('telemetry/worker/analytics.js', dist).href);

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : dflt;
};
const env = (k, d) => Number(process.env[k] ?? d);
const RATE = env('RATE', 100);
const DAYS = env('DAYS', 7);
const MINUTE_HOURS = env('MINUTE_HOURS', 6);
const CONSUMERS = env('CONSUMERS', 500);
const RUNS = env('RUNS', 7);
const PG_URL = process.env['PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const STORES = opt('--store', 'both') === 'both' ? ['sqlite', 'postgres'] : [opt('--store', 'both')];
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const END = Date.UTC(2031, 0, 1) + DAYS * DAY; // the week ends at midnight; "now" is 30 minutes later
const NOW = END + 30 * MIN;
const START = END - DAYS * DAY;

// ---------------------------------------------------------------- the synthetic world
function mulberry32(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rnd = mulberry32(2031);
const TEAMS = ['payments', 'identity', 'search', 'ml'];
const APIS = Array.from({ length: 12 }, (_, i) => ({ id: `api-${i}`, team: TEAMS[Math.floor(i / 3)], ai: i >= 10 }));
const ROUTES = Array.from({ length: 40 }, (_, i) => ({ id: `route-${i}`, index: i, api: APIS[i % 12] }));
const MODELS = [
  { provider: 'openai', model: 'gpt-4o', price: 6e-6 }, { provider: 'openai', model: 'gpt-4o-mini', price: 4e-7 },
  { provider: 'anthropic', model: 'claude-sonnet', price: 9e-6 }, { provider: 'anthropic', model: 'claude-haiku', price: 2e-6 },
  { provider: 'mistral', model: 'mistral-large', price: 4e-6 }, { provider: 'mistral', model: 'mistral-small', price: 6e-7 },
].map((m, i) => ({ ...m, index: i }));
const consumers = Array.from({ length: CONSUMERS }, (_, i) => ({
  id: `consumer-${i}`,
  routes: [0, 1, 2].map(() => Math.floor(rnd() * ROUTES.length)),
  models: [Math.floor(rnd() * MODELS.length), Math.floor(rnd() * MODELS.length)],
}));
// Zipf(1.1) activity over consumers: cumulative weights, sampled by binary search.
const cdf = [];
let acc = 0;
for (let i = 0; i < CONSUMERS; i++) cdf.push((acc += 1 / (i + 1) ** 1.1));
for (let i = 0; i < CONSUMERS; i++) cdf[i] /= acc;
function pickConsumer() {
  const u = rnd();
  let lo = 0;
  let hi = CONSUMERS - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
const STATUSES = [[0.92, 200, undefined], [0.95, 401, 'auth.key_missing'], [0.97, 403, 'acl.denied'], [0.98, 429, 'rate.limited'], [0.995, 502, 'upstream.connect_failed'], [1, 504, 'upstream.timeout']];

// ---------------------------------------------------------------- cells, as the accumulator keeps them
const KEYS = new DDSketch();
const MEASURES = ['requests', 'denied', 'client_errors', 'server_errors', 'bytes_in', 'bytes_out', 'tokens_input', 'tokens_output', 'tokens_cached', 'tokens_reasoning', 'cost', 'latency_sum'];
const [REQ, DEN, CLI, SRV, BIN, BOUT, TIN, TOUT, , , COST, LAT] = MEASURES.map((_, i) => i);
const addCounts = (a, b) => {
  for (const [k, n] of b) a.set(k, (a.get(k) ?? 0) + n);
};
class Cell {
  constructor(dims) {
    this.dims = dims;
    this.m = new Float64Array(MEASURES.length);
    this.statuses = new Map();
    this.codes = new Map();
    this.latency = new DDSketch();
    this.overhead = new DDSketch();
  }
  merge(o) {
    const m = this.m;
    const om = o.m;
    for (let i = 0; i < m.length; i++) m[i] += om[i];
    addCounts(this.statuses, o.statuses);
    addCounts(this.codes, o.codes);
    this.latency.merge(o.latency);
    this.overhead.merge(o.overhead);
  }
  row(grain, bucket) {
    const r = { grain, bucket, node: 'bench-node', ...this.dims };  // dims: the six dimensions, or { dim, value } for a slice
    MEASURES.forEach((k, i) => (r[k] = this.m[i]));
    return { ...r, statuses: JSON.stringify(Object.fromEntries(this.statuses)), codes: JSON.stringify(Object.fromEntries(this.codes)), latency: this.latency.serialize(), overhead: this.overhead.serialize() };
  }
}
const DIMS = ['team', 'api', 'route', 'consumer', 'provider', 'model'];

/** Full cells (→ rollups) and their slices (→ rollup_slices: the grand total and one per dimension value). */
function rowsOf(grain, bucket, cells) {
  const slices = new Map();
  for (const c of cells.values()) {
    for (const [dim, value] of [['', ''], ...DIMS.map((k) => [k, c.dims[k]])]) {
      const k = `${dim}\u0001${value}`;
      let s = slices.get(k);
      if (!s) slices.set(k, (s = new Cell({ dim, value })));
      s.merge(c);
    }
  }
  return { cells: [...cells.values()].map((c) => c.row(grain, bucket)), slices: [...slices.values()].map((c) => c.row(grain, bucket)) };
}

function mergeInto(target, cells) {
  for (const [k, c] of cells) {
    let t = target.get(k);
    if (!t) target.set(k, (t = new Cell(c.dims)));
    t.merge(c);
  }
}

/** One minute of traffic, request by request. */
function minute() {
  const cells = new Map();
  const n = RATE * 60;
  for (let i = 0; i < n; i++) {
    const ci = pickConsumer();
    const c = consumers[ci];
    const route = ROUTES[c.routes[Math.floor(rnd() * 3)]];
    const u = rnd();
    const [, status, code] = STATUSES.find(([p]) => u < p);
    const denied = status === 401 || status === 403 || status === 429;
    const model = route.api.ai && !denied ? MODELS[c.models[Math.floor(rnd() * 2)]] : undefined;
    const key = (status === 401 ? CONSUMERS : ci) * 1000 + route.index * 10 + (model ? model.index + 1 : 0);
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = new Cell({ team: route.api.team, api: route.api.id, route: route.id, consumer: status === 401 ? '' : c.id, provider: model?.provider ?? '', model: model?.model ?? '' })));
    const overhead = 0.08 + rnd() * 1.5;
    const latency = denied ? overhead : overhead + Math.exp(3.2 + normal());
    const m = cell.m;
    m[REQ]++;
    if (denied) m[DEN]++;
    if (status >= 400 && status < 500) m[CLI]++;
    else if (status >= 500) m[SRV]++;
    m[BIN] += 500;
    m[BOUT] += denied ? 300 : 2000;
    if (model) {
      const tin = 200 + Math.floor(rnd() * 1800);
      const tout = status === 200 ? 50 + Math.floor(rnd() * 750) : 0;
      m[TIN] += tin;
      m[TOUT] += tout;
      m[COST] += (tin + tout) * model.price;
    }
    m[LAT] += latency;
    cell.statuses.set(status, (cell.statuses.get(status) ?? 0) + 1);
    if (code) cell.codes.set(code, (cell.codes.get(code) ?? 0) + 1);
    cell.latency.addAt(latency, KEYS.keyOf(latency));
    cell.overhead.addAt(overhead, KEYS.keyOf(overhead));
  }
  return cells;
}

// ---------------------------------------------------------------- writers (raw drivers: the bench measures queries, not inserts)
const MEASURE_COLUMNS = ['requests', 'denied', 'client_errors', 'server_errors', 'bytes_in', 'bytes_out', 'tokens_input', 'tokens_output', 'tokens_cached', 'tokens_reasoning', 'cost', 'latency_sum', 'statuses', 'codes', 'latency', 'overhead'];
const COLUMNS = {
  rollups: ['grain', 'bucket', 'node', 'team', 'api', 'route', 'consumer', 'provider', 'model', ...MEASURE_COLUMNS],
  rollup_slices: ['grain', 'dim', 'value', 'bucket', 'node', ...MEASURE_COLUMNS],
};

async function openTarget(kind) {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-analytics-'));
    const url = join(dir, 'sluice.db');
    const store = await Store.open({ url });
    const raw = new BetterSqlite3(url);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = OFF');
    const insert = Object.fromEntries(Object.entries(COLUMNS).map(([table, cols]) => {
      const stmt = raw.prepare(`INSERT INTO ${table} (${cols.join(',')}) VALUES (${cols.map(() => '?').join(',')})`);
      return [table, raw.transaction((rows) => {
        for (const r of rows) stmt.run(cols.map((c) => r[c]));
      })];
    }));
    return {
      store, describe: `SQLite ${url}`,
      write: async ({ cells, slices }) => {
        insert.rollups(cells);
        insert.rollup_slices(slices);
      },
      finish: async () => { raw.pragma('wal_checkpoint(TRUNCATE)'); raw.exec('ANALYZE'); raw.close(); },
      cleanup: async () => { await store.close(); if (!process.env['KEEP']) rmSync(dir, { recursive: true, force: true }); },
    };
  }
  const schema = `bench_analytics_${process.pid}`;
  const store = await Store.open({ url: PG_URL, schema });
  const pool = new pg.Pool({ connectionString: PG_URL, max: 2, options: `-c search_path=${schema}` });
  return {
    store, describe: `PostgreSQL ${new URL(PG_URL).host} schema ${schema}`,
    write: async ({ cells, slices }) => {
      for (const [table, rows] of [['rollups', cells], ['rollup_slices', slices]]) {
        const cols = COLUMNS[table];
        for (let i = 0; i < rows.length; i += 1000) {
          const values = [];
          const params = [];
          for (const r of rows.slice(i, i + 1000)) values.push(`(${cols.map((c) => `$${params.push(r[c])}`).join(',')})`);
          await pool.query(`INSERT INTO ${table} (${cols.join(',')}) VALUES ${values.join(',')}`, params);
        }
      }
    },
    finish: async () => { await pool.query('VACUUM ANALYZE rollups'); await pool.query('VACUUM ANALYZE rollup_slices'); },
    cleanup: async () => {
      if (!process.env['KEEP']) await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
      await pool.end();
      await store.close();
    },
  };
}

/** Generates the week hour by hour, writing minute rows (last MINUTE_HOURS), hour rows and day rows. */
async function generate(targets) {
  let requests = 0;
  let rows = { minute: 0, hour: 0, day: 0 };
  let day = new Map();
  const t0 = performance.now();
  for (let h = START; h < END; h += HOUR) {
    const hour = new Map();
    for (let m = h; m < h + HOUR; m += MIN) {
      const cells = minute();
      if (m >= END - MINUTE_HOURS * HOUR) {
        const r = rowsOf('minute', m, cells);
        rows.minute += r.cells.length + r.slices.length;
        for (const t of targets) await t.write(r);
      }
      mergeInto(hour, cells);
    }
    const hr = rowsOf('hour', h, hour);
    rows.hour += hr.cells.length + hr.slices.length;
    for (const t of targets) await t.write(hr);
    mergeInto(day, hour);
    for (const c of hour.values()) requests += c.m[REQ];
    if ((h + HOUR) % DAY === 0) {
      const dr = rowsOf('day', h + HOUR - DAY, day);
      rows.day += dr.cells.length + dr.slices.length;
      for (const t of targets) await t.write(dr);
      day = new Map();
      process.stderr.write(`  day ${new Date(h).toISOString().slice(0, 10)} done (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
    }
  }
  for (const t of targets) await t.finish();
  return { requests, rows, seconds: (performance.now() - t0) / 1000 };
}

// ---------------------------------------------------------------- the dashboard
const week = { from: NOW - 7 * DAY, to: NOW };
const QUERIES = [
  ['summary, last 7 days', { kind: 'summary', filter: week }],
  ['series, last 7 days, hourly', { kind: 'series', filter: week, step: HOUR }],
  ['series, last 7 days, daily', { kind: 'series', filter: { ...week, grain: 'day' }, step: DAY }],
  ['top 10 consumers, last 7 days', { kind: 'top', filter: week, by: 'consumer', metric: 'requests', limit: 10 }],
  ['top denied routes, last 7 days', { kind: 'top', filter: week, by: 'route', metric: 'denied', limit: 10 }],
  ['most expensive models, last 7 days', { kind: 'top', filter: week, by: 'model', metric: 'cost', limit: 10 }],
  ['slowest APIs (p95), last 7 days', { kind: 'top', filter: week, by: 'api', metric: 'latency_p95', limit: 10 }],
  ['summary of one API, last 7 days', { kind: 'summary', filter: { ...week, api: 'api-3' } }],
  ['summary of one team, last 7 days', { kind: 'summary', filter: { ...week, team: 'payments' } }],
  ['one consumer on one API, last 7 days', { kind: 'summary', filter: { ...week, api: 'api-3', consumer: 'consumer-7' } }],
  ['team-scoped user: top consumers', { kind: 'top', filter: { ...week, teams: ['payments', 'ml'] }, by: 'consumer', metric: 'requests', limit: 10 }],
  ['series, last 24 hours, hourly', { kind: 'series', filter: { from: NOW - DAY, to: NOW }, step: HOUR }],
  ['series, last hour, per minute', { kind: 'series', filter: { from: NOW - HOUR, to: NOW }, step: MIN }],
  ['summary, last 6 hours', { kind: 'summary', filter: { from: NOW - 6 * HOUR, to: NOW } }],
];

async function timeQueries(t) {
  const rollups = new RollupStore(t.store.db, t.store.dialect);
  const out = [];
  for (const [name, req] of QUERIES) {
    await analyticsQuery(rollups, req); // warm
    const times = [];
    let result;
    for (let i = 0; i < RUNS; i++) {
      const s = performance.now();
      result = await analyticsQuery(rollups, req);
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    out.push({ name, median: times[Math.floor(times.length / 2)], max: times.at(-1), result });
  }
  return out;
}

const results = { rate: RATE, days: DAYS, minute_hours: MINUTE_HOURS, consumers: CONSUMERS, stores: {} };
const targets = [];
for (const kind of STORES) targets.push({ kind, ...(await openTarget(kind)) });
process.stderr.write(`synthesising ${DAYS} days at ${RATE} requests/s into ${targets.map((t) => t.describe).join(' and ')}\n`);
const gen = await generate(targets);
process.stderr.write(`${gen.requests.toLocaleString('en')} requests → rows: ${JSON.stringify(gen.rows)} per store, in ${gen.seconds.toFixed(0)} s\n`);
results.requests = gen.requests;
results.rows = gen.rows;
try {
  for (const t of targets) {
    const q = await timeQueries(t);
    const total = q[0].result.totals.requests;
    const expected = gen.requests - RATE * 60 * 30; // "now" is 30 minutes after the week: its first 30 minutes are out of range
    if (Math.abs(total - expected) > RATE * 3600) throw new Error(`${t.kind}: the week summary counts ${total}, expected about ${expected}`);
    results.stores[t.kind] = q.map(({ name, median, max }) => ({ name, median_ms: Number(median.toFixed(1)), max_ms: Number(max.toFixed(1)) }));
    console.log(`\n${t.describe}: ${gen.requests.toLocaleString('en')} requests in ${Object.values(gen.rows).reduce((a, b) => a + b, 0).toLocaleString('en')} rollup rows (week summary counts ${total.toLocaleString('en')})`);
    console.log('query'.padEnd(40), 'median ms'.padStart(10), 'max ms'.padStart(8), ' < 200 ms');
    for (const r of q) console.log(r.name.padEnd(40), r.median.toFixed(1).padStart(10), r.max.toFixed(1).padStart(8), r.median < 200 ? ' met' : ' NOT MET');
  }
} finally {
  for (const t of targets) await t.cleanup();
}
const json = opt('--json', undefined);
if (json) writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
