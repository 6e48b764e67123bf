import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../open.js';
import type { Database } from '../schema.js';
import type BetterSqlite3 from 'better-sqlite3';
import { RowWriter } from './row-writer.js';
import { int8, type CallLogRow, type TelemetryTables } from './tables.js';

export interface CallLogFilter {
  /** Time range on the request start, epoch ms: `from` inclusive, `to` exclusive. */
  readonly from?: number;
  readonly to?: number;
  /** Exact status, or an inclusive range (`4xx` → 400..499). */
  readonly statusMin?: number;
  readonly statusMax?: number;
  readonly code?: string;
  /** Only requests the gateway refused: a policy denied, or a 4xx of the gateway's own (not 499). */
  readonly denied?: boolean;
  readonly team?: string;
  /** Visibility: only records of these teams (a team-scoped admin user); an empty list matches nothing. */
  readonly teams?: readonly string[];
  readonly api?: string;
  readonly service?: string;
  readonly route?: string;
  readonly consumer?: string;
  readonly provider?: string;
  readonly model?: string;
  readonly requestId?: string;
  /** Free text, case-insensitive, matched anywhere in the path. */
  readonly q?: string;
  readonly limit?: number;
  /** Opaque cursor from a previous page (`next`). */
  readonly cursor?: string;
  /** `desc`: newest first (by start time). `asc`: in the order they were logged (for `--follow`). */
  readonly order?: 'desc' | 'asc';
}

export type StoredCallLog = CallLogRow & { id: number };
export type CallLogSummary = Omit<StoredCallLog, 'trace' | 'request_body' | 'response_body'>;

export interface CallLogPage {
  readonly items: CallLogSummary[];
  /** Cursor of the next page; for `asc` always set (poll it again to follow). */
  readonly next?: string;
}

const SUMMARY_COLUMNS = [
  'id', 'ts', 'request_id', 'team', 'api', 'service_id', 'route_id', 'consumer_id', 'credential_id', 'client_ip', 'method', 'path', 'host',
  'status', 'answered_by', 'code', 'policy_id', 'config_version', 'duration_ms', 'overhead_ms', 'connect_ms', 'first_byte_ms', 'upstream_ms',
  'bytes_in', 'bytes_out', 'upstream_target', 'attempts', 'provider', 'model', 'ai_attempts', 'tokens_input', 'tokens_output', 'tokens_cached',
  'tokens_reasoning', 'cost',
] as const;

const ROW_COLUMNS = [...SUMMARY_COLUMNS.filter((c) => c !== 'id'), 'trace', 'request_body', 'response_body'] as const satisfies readonly (keyof CallLogRow)[];


export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

function encodeCursor(order: 'asc' | 'desc', row: { id: number; ts: number }): string {
  return Buffer.from(order === 'asc' ? `a:${row.id}` : `d:${row.ts}:${row.id}`).toString('base64url');
}

function decodeCursor(c: string): { order: 'asc'; id: number } | { order: 'desc'; ts: number; id: number } {
  const parts = Buffer.from(c, 'base64url').toString().split(':');
  const nums = parts.slice(1).map(Number);
  if (parts[0] === 'a' && nums.length === 1 && Number.isSafeInteger(nums[0])) return { order: 'asc', id: nums[0]! };
  if (parts[0] === 'd' && nums.length === 2 && nums.every(Number.isSafeInteger)) return { order: 'desc', ts: nums[0]!, id: nums[1]! };
  throw new InvalidCursorError(`invalid cursor ${JSON.stringify(c)}`);
}

/** The `%…%` pattern of a free-text search, with LIKE wildcards in the text escaped. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

/** Call logs over SQLite or PostgreSQL (the same queries; PostgreSQL uses ILIKE for free text). */
export class CallLogStore {
  private readonly db: Kysely<Database & TelemetryTables>;

  private readonly writer: RowWriter<CallLogRow>;

  /** `sqlite`: the raw handle of the same database, for fast inserts (the telemetry worker has one). */
  constructor(db: Kysely<Database>, private readonly dialect: StoreDialect, sqlite?: BetterSqlite3.Database) {
    this.db = db.withTables<TelemetryTables>();
    this.writer = new RowWriter<CallLogRow>(this.db as unknown as Kysely<never>, dialect, 'call_logs', ROW_COLUMNS, sqlite);
  }

  insert(rows: readonly CallLogRow[]): Promise<void> {
    return this.writer.write(rows);
  }

  async query(f: CallLogFilter): Promise<CallLogPage> {
    const order = f.order ?? 'desc';
    const limit = Math.min(Math.max(f.limit ?? 50, 1), 1000);
    let q = this.db.selectFrom('call_logs').select(SUMMARY_COLUMNS);
    if (f.from !== undefined) q = q.where('ts', '>=', f.from);
    if (f.to !== undefined) q = q.where('ts', '<', f.to);
    if (f.statusMin !== undefined) q = q.where('status', '>=', f.statusMin);
    if (f.statusMax !== undefined) q = q.where('status', '<=', f.statusMax);
    if (f.code) q = q.where('code', '=', f.code);
    if (f.denied) {
      q = q.where('answered_by', '=', 'gateway').where((eb) =>
        eb.or([eb('policy_id', 'is not', null), eb.and([eb('status', '>=', 400), eb('status', '<', 500), eb('status', '<>', 499)])]),
      );
    }
    if (f.team) q = q.where('team', '=', f.team);
    if (f.teams) q = f.teams.length > 0 ? q.where('team', 'in', [...f.teams]) : q.where(sql<boolean>`1 = 0`);
    if (f.api) q = q.where('api', '=', f.api);
    if (f.service) q = q.where('service_id', '=', f.service);
    if (f.route) q = q.where('route_id', '=', f.route);
    if (f.consumer) q = q.where('consumer_id', '=', f.consumer);
    if (f.provider) q = q.where('provider', '=', f.provider);
    if (f.model) q = q.where('model', '=', f.model);
    if (f.requestId) q = q.where('request_id', '=', f.requestId);
    if (f.q) {
      // SQLite's LIKE is case-insensitive for ASCII and has no default escape character.
      const op = sql.raw(this.dialect === 'postgres' ? 'ilike' : 'like');
      q = q.where(sql<boolean>`${sql.ref('path')} ${op} ${containsPattern(f.q)} escape '\\'`);
    }
    if (f.cursor) {
      const c = decodeCursor(f.cursor);
      if (c.order !== order) throw new InvalidCursorError('the cursor belongs to the other order');
      if (c.order === 'asc') q = q.where('id', '>', c.id);
      else {
        const { ts, id } = c;
        q = q.where((eb) => eb.or([eb('ts', '<', ts), eb.and([eb('ts', '=', ts), eb('id', '<', id)])]));
      }
    }
    q = order === 'asc' ? q.orderBy('id', 'asc') : q.orderBy('ts', 'desc').orderBy('id', 'desc');
    const items = (await q.limit(limit).execute()) as CallLogSummary[];
    const last = items.at(-1);
    let next: string | undefined;
    if (order === 'asc') next = last ? encodeCursor('asc', last) : f.cursor ?? (await this.tailCursor());
    else if (last && items.length === limit) next = encodeCursor('desc', last);
    return { items, next };
  }

  /** A cursor positioned after the newest record: following from it shows only what comes next. */
  async tailCursor(): Promise<string> {
    const r = await this.db.selectFrom('call_logs').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
    return encodeCursor('asc', { id: int8(r?.id ?? 0), ts: 0 });
  }

  /** The full record of a request (trace and bodies); the newest when an id was reused. */
  async get(requestId: string): Promise<StoredCallLog | undefined> {
    return this.db.selectFrom('call_logs').selectAll().where('request_id', '=', requestId).orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  /** Deletes records that started before `ts`, in chunks so that a big purge never holds a long lock. */
  async deleteOlderThan(ts: number, chunk = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const ids = this.db.selectFrom('call_logs').select('id').where('ts', '<', ts).orderBy('ts').limit(chunk);
      const r = await this.db.deleteFrom('call_logs').where('id', 'in', ids).executeTakeFirst();
      const n = Number(r.numDeletedRows);
      total += n;
      if (n < chunk) return total;
    }
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('call_logs').select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
    return Number(r?.n ?? 0);
  }
}
