import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { ExpressionBuilder } from 'kysely';
import type { StoreDialect } from '../open.js';
import type { Database } from '../schema.js';
import type BetterSqlite3 from 'better-sqlite3';
import { RowWriter } from './row-writer.js';
import { ALL, GRAIN_MS, int8, ROLLUP_DIMS, ROLLUP_MEASURES, type RollupDim, type RollupGrain, type RollupRow, type TelemetryTables } from './tables.js';

export interface RollupFilter {
  /** Epoch ms, inclusive; aligned down to the grain. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  /** Default: minute up to 6 h, hour up to 14 days, day beyond. */
  readonly grain?: RollupGrain;
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

type Row = RollupRow;

const KEYS = ['grain', 'bucket', 'node', ...ROLLUP_DIMS] as const;
const REPLACED = [...ROLLUP_MEASURES, 'statuses', 'codes', 'latency', 'overhead'] as const;
type EB = ExpressionBuilder<Database & TelemetryTables, 'rollups'>;

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

/** Rollup rows over SQLite or PostgreSQL: writers upsert their own rows, readers aggregate. */
export class RollupStore {
  private readonly db: Kysely<Database & TelemetryTables>;

  private readonly writer: RowWriter<Row>;

  /** `sqlite`: the raw handle of the same database, for fast upserts (the telemetry worker has one). */
  constructor(db: Kysely<Database>, dialect: StoreDialect, sqlite?: BetterSqlite3.Database) {
    this.db = db.withTables<TelemetryTables>();
    this.writer = new RowWriter<Row>(this.db as unknown as Kysely<never>, dialect, 'rollups', [...KEYS, ...REPLACED], sqlite, { keys: KEYS, replace: REPLACED });
  }

  /** Writes rows whole (a node's full state of each bucket replaces what it wrote before). */
  upsert(rows: readonly Row[]): Promise<void> {
    return this.writer.write(rows);
  }

  /**
   * The rows a query reads. With at most one dimension involved (filtered, restricted or grouped
   * by), slice rows answer it; otherwise full cells do (conditions on two dimensions exclude every
   * slice, since a slice has at most one dimension that is not `ALL`).
   */
  private where(f: RollupFilter, grain: RollupGrain, by?: RollupDim) {
    const start = f.from - (f.from % GRAIN_MS[grain]);
    const involved = ROLLUP_DIMS.filter((d) => f[d] !== undefined || d === by || (d === 'team' && f.teams !== undefined));
    const slice = involved.length <= 1;
    return (eb: EB): Expression<SqlBool> => {
      const conds: Expression<SqlBool>[] = [eb('grain', '=', grain), eb('bucket', '>=', start), eb('bucket', '<', f.to)];
      for (const d of ROLLUP_DIMS) {
        const v = f[d];
        if (v !== undefined) conds.push(eb(d, '=', v));
        if (d === 'team' && f.teams !== undefined) conds.push(f.teams.length > 0 ? eb('team', 'in', [...f.teams]) : sql<SqlBool>`1 = 0`);
        if (d === by) conds.push(eb(d, '<>', ALL));
        else if (slice && !involved.includes(d)) conds.push(eb(d, '=', ALL));
      }
      return eb.and(conds);
    };
  }

  /** Sums per step; `step` is a multiple of the grain (default: the grain). */
  async series(f: RollupFilter & { readonly step?: number }): Promise<{ grain: RollupGrain; step: number; points: SeriesPoint[] }> {
    const grain = f.grain ?? pickGrain(f.from, f.to);
    const step = Math.max(GRAIN_MS[grain], Math.round((f.step ?? 0) / GRAIN_MS[grain]) * GRAIN_MS[grain]);
    const t = sql<number>`bucket - (bucket % ${sql.lit(step)})`;
    const rows = await this.db
      .selectFrom('rollups')
      .select((eb) => [t.as('t'), ...ROLLUP_MEASURES.map((m) => eb.fn.sum(m).as(m))])
      .where(this.where(f, grain))
      .groupBy(t)
      .orderBy(t)
      .execute();
    return { grain, step, points: rows.map((r) => ({ t: int8(r.t), ...totals(r) })) };
  }

  /** The latency and overhead sketches of every row in range, keyed by step (or by a dimension). */
  async sketches(f: RollupFilter & { readonly step?: number; readonly by?: RollupDim }): Promise<{ key: string | number; latency: string; overhead: string }[]> {
    const grain = f.grain ?? pickGrain(f.from, f.to);
    const step = Math.max(GRAIN_MS[grain], Math.round((f.step ?? 0) / GRAIN_MS[grain]) * GRAIN_MS[grain]);
    const rows = await this.db
      .selectFrom('rollups')
      .select(['bucket', 'latency', 'overhead', ...(f.by ? [f.by] : [])])
      .where(this.where(f, grain, f.by))
      .execute();
    return rows.map((r) => {
      const rec = r as unknown as Record<string, string | number>;
      const bucket = Number(rec['bucket']);
      return { key: f.by ? String(rec[f.by]) : bucket - (bucket % step), latency: String(rec['latency']), overhead: String(rec['overhead']) };
    });
  }

  /** The N values of a dimension with the most of a metric over the range. */
  async top(f: RollupFilter & { readonly by: RollupDim; readonly metric: TopMetric; readonly limit?: number }): Promise<TopItem[]> {
    const grain = f.grain ?? pickGrain(f.from, f.to);
    const value = sql<number>`sum(${sql.raw(TOP_EXPR[f.metric])})`;
    const rows = await this.db
      .selectFrom('rollups')
      .select((eb) => [eb.ref(f.by).as('key'), value.as('value'), ...ROLLUP_MEASURES.map((m) => eb.fn.sum(m).as(m))])
      .where(this.where(f, grain, f.by))
      .groupBy(f.by)
      .having(value, '>', 0)
      .orderBy(value, 'desc')
      .orderBy(f.by)
      .limit(Math.min(f.limit ?? 10, 1000))
      .execute();
    return rows.map((r) => ({ key: r.key === '' ? null : r.key, value: int8(r.value), ...totals(r) }));
  }

  /** Statuses and reason codes over the range (only rows that had an error or a denial are read). */
  async breakdown(f: RollupFilter): Promise<{ statuses: Record<string, number>; codes: Record<string, number> }> {
    const grain = f.grain ?? pickGrain(f.from, f.to);
    const rows = await this.db.selectFrom('rollups').select(['statuses', 'codes']).where(this.where(f, grain)).execute();
    const statuses: Record<string, number> = {};
    const codes: Record<string, number> = {};
    for (const r of rows) {
      for (const [k, n] of Object.entries(JSON.parse(r.statuses) as Record<string, number>)) statuses[k] = (statuses[k] ?? 0) + n;
      for (const [k, n] of Object.entries(JSON.parse(r.codes) as Record<string, number>)) codes[k] = (codes[k] ?? 0) + n;
    }
    return { statuses, codes };
  }

  async deleteOlderThan(grain: RollupGrain, ts: number): Promise<number> {
    const r = await this.db.deleteFrom('rollups').where('grain', '=', grain).where('bucket', '<', ts).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
