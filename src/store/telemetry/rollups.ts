import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { StoreDialect } from '../open.js';
import type { Database } from '../schema.js';
import { RowWriter } from './row-writer.js';
import { GRAIN_MS, int8, ROLLUP_DIMS, ROLLUP_MEASURES, type RollupDim, type RollupGrain, type RollupRow, type SliceRow, type TelemetryTables } from './tables.js';

export interface RollupFilter {
  /** Epoch ms, inclusive; aligned down to the grain. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  /** Default: minute up to 6 h, hour up to 14 days, day beyond. */
  readonly grain?: RollupGrain;
  /**
   * A range-only query (totals, top N: no time steps) on the hour grain may read the whole days of
   * the range from the day grain and only its edges from hours: the same answer from far fewer rows.
   */
  readonly cover?: boolean;
  readonly team?: string;
  readonly api?: string;
  readonly route?: string;
  readonly consumer?: string;
  readonly provider?: string;
  readonly model?: string;
  /** Visibility: only these teams (a team-scoped admin user); an empty list matches nothing. */
  readonly teams?: readonly string[];
}

export type Totals = Record<(typeof ROLLUP_MEASURES)[number], number>;

export interface SeriesPoint extends Totals {
  /** Start of the step, epoch ms. */
  readonly t: number;
}

export type TopMetric = 'requests' | 'denied' | 'errors' | 'server_errors' | 'cost' | 'tokens' | 'bytes';

export interface TopItem extends Totals {
  /** The dimension's value (`null` when the requests had none, e.g. no consumer or no route). */
  readonly key: string | null;
  readonly value: number;
}

const MEASURES = [...ROLLUP_MEASURES, 'statuses', 'codes', 'latency', 'overhead'] as const;
const CELL_KEY = ['grain', 'bucket', 'node', ...ROLLUP_DIMS] as const;
const SLICE_KEY = ['grain', 'dim', 'value', 'bucket', 'node'] as const;
const SUMS = sql.raw(ROLLUP_MEASURES.map((m) => `sum(${m}) as ${m}`).join(', '));

export function pickGrain(from: number, to: number): RollupGrain {
  const span = to - from;
  if (span <= 6 * GRAIN_MS.hour) return 'minute';
  if (span <= 14 * GRAIN_MS.day) return 'hour';
  return 'day';
}

const TOP_EXPR: Record<TopMetric, string> = {
  requests: 'requests',
  denied: 'denied',
  errors: 'client_errors + server_errors',
  server_errors: 'server_errors',
  cost: 'cost',
  tokens: 'tokens_input + tokens_output',
  bytes: 'bytes_in + bytes_out',
};

function totals(r: Record<string, unknown>): Totals {
  const out = {} as Totals;
  for (const m of ROLLUP_MEASURES) out[m] = Number(r[m] ?? 0);
  return out;
}

/** Where a query reads (a subquery over the right table and range), and the column a `by` dimension is in. */
interface Source {
  readonly from: RawBuilder<unknown>;
  readonly key: RawBuilder<unknown>;
}

/** The (grain, [start, end)) segments a range reads: see RollupFilter.cover. */
function cover(f: RollupFilter, grain: RollupGrain): { grain: RollupGrain; start: number; end: number }[] {
  const start = f.from - (f.from % GRAIN_MS[grain]);
  const day = GRAIN_MS.day;
  const d0 = Math.ceil(f.from / day) * day;
  const d1 = Math.floor(f.to / day) * day;
  if (!f.cover || grain !== 'hour' || d1 <= d0) return [{ grain, start, end: f.to }];
  const out: { grain: RollupGrain; start: number; end: number }[] = [{ grain: 'day', start: d0, end: d1 }];
  if (start < d0) out.unshift({ grain, start, end: d0 });
  if (d1 < f.to) out.push({ grain, start: d1, end: f.to });
  return out;
}

/**
 * Rollups over SQLite or PostgreSQL: writers upsert their own rows (full cells into `rollups`, slices
 * into `rollup_slices`), readers aggregate. A query that involves at most one dimension (filtered,
 * restricted to teams, or ranked by) reads slices — one index range per dimension value; otherwise
 * it reads the full cells.
 */
export class RollupStore {
  private readonly db: Kysely<Database & TelemetryTables>;
  private readonly cells: RowWriter<RollupRow>;
  private readonly slices: RowWriter<SliceRow>;

  /** `sqlite`: the raw handle of the same database, for fast upserts (the telemetry worker has one). */
  constructor(db: Kysely<Database>, dialect: StoreDialect, sqlite?: BetterSqlite3.Database) {
    this.db = db.withTables<TelemetryTables>();
    const raw = this.db as unknown as Kysely<never>;
    this.cells = new RowWriter<RollupRow>(raw, dialect, 'rollups', [...CELL_KEY, ...MEASURES], sqlite, { keys: CELL_KEY, replace: MEASURES });
    this.slices = new RowWriter<SliceRow>(raw, dialect, 'rollup_slices', [...SLICE_KEY, ...MEASURES], sqlite, { keys: SLICE_KEY, replace: MEASURES });
  }

  /** Writes rows whole (a node's full state of each bucket replaces what it wrote before). */
  async upsert(rows: { readonly cells: readonly RollupRow[]; readonly slices: readonly SliceRow[] }): Promise<void> {
    await this.cells.write(rows.cells);
    await this.slices.write(rows.slices);
  }

  private source(f: RollupFilter, grain: RollupGrain, by?: RollupDim): Source {
    const conds: RawBuilder<unknown>[] = [];
    if (f.teams !== undefined && f.teams.length === 0) conds.push(sql`1 = 0`);
    const teams = f.teams?.length ? f.teams : undefined;
    const involved = ROLLUP_DIMS.filter((d) => f[d] !== undefined || d === by || (d === 'team' && teams !== undefined));
    let table: RawBuilder<unknown>;
    let key: RawBuilder<unknown>;
    if (involved.length <= 1) {
      table = sql.raw('rollup_slices');
      key = sql.ref('value');
      const d = involved[0];
      conds.push(sql`dim = ${d ?? ''}`);
      if (d === undefined) conds.push(sql`value = ''`);
      else {
        const v = f[d];
        if (v !== undefined) conds.push(sql`value = ${v}`);
        if (d === 'team' && teams) conds.push(sql`value in (${sql.join([...teams])})`);
      }
    } else {
      table = sql.raw('rollups');
      key = sql.ref(by ?? 'team');
      for (const d of ROLLUP_DIMS) {
        const v = f[d];
        if (v !== undefined) conds.push(sql`${sql.ref(d)} = ${v}`);
      }
      if (teams) conds.push(sql`team in (${sql.join([...teams])})`);
    }
    // One index range per segment of the range; UNION ALL keeps each branch on its index.
    const branches = cover(f, grain).map((g) => {
      const all = [sql`grain = ${g.grain}`, ...conds, sql`bucket >= ${g.start}`, sql`bucket < ${g.end}`];
      return sql`select * from ${table} where ${sql.join(all, sql` and `)}`;
    });
    return { from: sql`(${sql.join(branches, sql` union all `)}) as r`, key };
  }

  private step(f: RollupFilter & { readonly step?: number }, grain: RollupGrain): number {
    return Math.max(GRAIN_MS[grain], Math.round((f.step ?? 0) / GRAIN_MS[grain]) * GRAIN_MS[grain]);
  }

  /** Sums per step; `step` is a multiple of the grain (default: the grain). */
  async series(f: RollupFilter & { readonly step?: number }): Promise<{ grain: RollupGrain; step: number; points: SeriesPoint[] }> {
    const grain = f.grain ?? pickGrain(f.from, f.to);
    const step = this.step(f, grain);
    const s = this.source(f, grain);
    const r = await sql<Record<string, number | string>>`select bucket - (bucket % ${sql.lit(step)}) as t, ${SUMS} from ${s.from} group by 1 order by 1`.execute(this.db);
    return { grain, step, points: r.rows.map((row) => ({ t: int8(row['t']!), ...totals(row) })) };
  }

  /** The latency and overhead sketches of every row in range, keyed by step (or by a dimension). */
  async sketches(f: RollupFilter & { readonly step?: number; readonly by?: RollupDim }): Promise<{ key: string | number; latency: string; overhead: string }[]> {
    const grain = f.grain ?? pickGrain(f.from, f.to);
    const step = this.step(f, grain);
    const s = this.source(f, grain, f.by);
    const r = await sql<{ bucket: number | string; k: string; latency: string; overhead: string }>`select bucket, ${s.key} as k, latency, overhead from ${s.from}`.execute(this.db);
    return r.rows.map((row) => {
      const bucket = int8(row.bucket);
      return { key: f.by ? row.k : bucket - (bucket % step), latency: row.latency, overhead: row.overhead };
    });
  }

  /** The N values of a dimension with the most of a metric over the range. */
  async top(f: RollupFilter & { readonly by: RollupDim; readonly metric: TopMetric; readonly limit?: number }): Promise<TopItem[]> {
    const grain = f.grain ?? pickGrain(f.from, f.to);
    const s = this.source(f, grain, f.by);
    const value = sql.raw(`sum(${TOP_EXPR[f.metric]})`);
    const r = await sql<Record<string, number | string>>`select ${s.key} as k, ${value} as v, ${SUMS} from ${s.from} group by 1 having ${value} > 0 order by 2 desc, 1 limit ${Math.min(f.limit ?? 10, 1000)}`.execute(this.db);
    return r.rows.map((row) => ({ key: row['k'] === '' ? null : String(row['k']), value: int8(row['v']!), ...totals(row) }));
  }

  /** Statuses and reason codes over the range. */
  async breakdown(f: RollupFilter): Promise<{ statuses: Record<string, number>; codes: Record<string, number> }> {
    const grain = f.grain ?? pickGrain(f.from, f.to);
    const s = this.source(f, grain);
    const r = await sql<{ statuses: string; codes: string }>`select statuses, codes from ${s.from}`.execute(this.db);
    const statuses: Record<string, number> = {};
    const codes: Record<string, number> = {};
    for (const row of r.rows) {
      for (const [k, n] of Object.entries(JSON.parse(row.statuses) as Record<string, number>)) statuses[k] = (statuses[k] ?? 0) + n;
      for (const [k, n] of Object.entries(JSON.parse(row.codes) as Record<string, number>)) codes[k] = (codes[k] ?? 0) + n;
    }
    return { statuses, codes };
  }

  /** Deletes a grain's rows (cells and slices) older than `ts`. */
  async deleteOlderThan(grain: RollupGrain, ts: number): Promise<number> {
    const a = await this.db.deleteFrom('rollups').where('grain', '=', grain).where('bucket', '<', ts).executeTakeFirst();
    const b = await this.db.deleteFrom('rollup_slices').where('grain', '=', grain).where('bucket', '<', ts).executeTakeFirst();
    return Number(a.numDeletedRows) + Number(b.numDeletedRows);
  }
}
