import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Expression, type Kysely, type SqlBool } from 'kysely';
import type { StoreDialect } from '../open.js';
import type { Database } from '../schema.js';
import { CHUNK_RECORDS, CHUNK_SPAN_MS, DENIED_TERM, ID_TIME_WINDOW_MS, idTime, isDenied, TERM, type ChunkCodec, type EncodedChunk } from './chunks.js';
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

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

/** `asc`: the position of the next record to read. `desc`: the last record returned, by (start time, chunk, position). */
type Cursor = { order: 'asc'; chunk: number; pos: number } | { order: 'desc'; ts: number; chunk: number; pos: number };

function encodeCursor(c: Cursor): string {
  return Buffer.from(c.order === 'asc' ? `a:${c.chunk}:${c.pos}` : `d:${c.ts}:${c.chunk}:${c.pos}`).toString('base64url');
}

function decodeCursor(s: string): Cursor {
  const parts = Buffer.from(s, 'base64url').toString().split(':');
  const nums = parts.slice(1).map(Number);
  if (nums.every(Number.isSafeInteger)) {
    if (parts[0] === 'a' && nums.length === 2) return { order: 'asc', chunk: nums[0]!, pos: nums[1]! };
    if (parts[0] === 'd' && nums.length === 3) return { order: 'desc', ts: nums[0]!, chunk: nums[1]!, pos: nums[2]! };
  }
  throw new InvalidCursorError(`invalid cursor ${JSON.stringify(s)}`);
}

/** A decoded record and its place in the log. */
type ChunkRecord = CallLogRow & { readonly chunk: number; readonly pos: number };

type Place = Pick<ChunkRecord, 'ts' | 'chunk' | 'pos'>;

/** Newest first by start time; records that started in the same millisecond by their place in the log. */
function newerFirst(a: Place, b: Place): number {
  return b.ts - a.ts || b.chunk - a.chunk || b.pos - a.pos;
}

function summary(r: ChunkRecord): CallLogSummary {
  const { trace: _trace, request_body: _req, response_body: _res, chunk, pos, ...rest } = r;
  return { id: chunk * CHUNK_RECORDS + pos, ...rest };
}

/** The record-level test of a filter: chunks are selected by their terms, each record is checked here. */
function recordMatcher(f: CallLogFilter): (r: ChunkRecord) => boolean {
  const teams = f.teams ? new Set(f.teams) : undefined;
  const q = f.q?.toLowerCase();
  return (r) =>
    (f.from === undefined || r.ts >= f.from) &&
    (f.to === undefined || r.ts < f.to) &&
    (f.statusMin === undefined || r.status >= f.statusMin) &&
    (f.statusMax === undefined || r.status <= f.statusMax) &&
    (!f.code || r.code === f.code) &&
    (!f.denied || isDenied(r)) &&
    (!f.team || r.team === f.team) &&
    (!teams || (r.team !== null && teams.has(r.team))) &&
    (!f.api || r.api === f.api) &&
    (!f.service || r.service_id === f.service) &&
    (!f.route || r.route_id === f.route) &&
    (!f.consumer || r.consumer_id === f.consumer) &&
    (!f.provider || r.provider === f.provider) &&
    (!f.model || r.model === f.model) &&
    (!f.requestId || r.request_id === f.requestId) &&
    (q === undefined || r.path.toLowerCase().includes(q));
}

function rawChunkWriter(sqlite: BetterSqlite3.Database): (c: EncodedChunk) => void {
  const chunk = sqlite.prepare<[number, number, number, string, Uint8Array], { id: number }>('INSERT INTO call_log_chunks (ts_min, ts_max, n, owners, data) VALUES (?, ?, ?, ?, ?) RETURNING id');
  const term = sqlite.prepare<[string, number]>('INSERT INTO call_log_terms (term, chunk) VALUES (?, ?)');
  return sqlite.transaction((c: EncodedChunk) => {
    const { id } = chunk.get(c.tsMin, c.tsMax, c.n, c.owners, c.data)!;
    for (const t of c.terms) term.run(t, id);
  });
}

interface ChunkRow {
  id: number;
  ts_max: number;
  data: Uint8Array;
  owners: string;
}

/** Chunks read per query round trip. */
const ROUND = 16;

/**
 * Call logs over SQLite or PostgreSQL (the same queries), stored as chunks (see chunks.ts). A query
 * selects chunks by time and by the terms its filters name, then checks each record of them.
 */
export class CallLogStore {
  private readonly db: Kysely<Database & TelemetryTables>;
  private readonly writeRaw: ((c: EncodedChunk) => void) | undefined;

  /**
   * `codec`: what is inside a chunk (the telemetry worker's, see src/telemetry/chunk-codec.ts).
   * `sqlite`: the raw handle of the same SQLite file, when there is one: chunks are then written with
   * two prepared statements kept for the store's life (the query builder compiled and SQLite
   * prepared both statements again for every chunk: a quarter of the worker's time under load).
   */
  constructor(db: Kysely<Database>, private readonly dialect: StoreDialect, private readonly codec: ChunkCodec, sqlite?: BetterSqlite3.Database) {
    this.db = db.withTables<TelemetryTables>();
    if (sqlite && dialect === 'sqlite') this.writeRaw = rawChunkWriter(sqlite);
  }

  /** Writes one chunk (at most CHUNK_RECORDS records) and its terms in one transaction. */
  async insert(c: EncodedChunk): Promise<void> {
    if (c.n === 0) return;
    if (c.n > CHUNK_RECORDS) throw new RangeError(`a chunk holds at most ${CHUNK_RECORDS} records (got ${c.n})`);
    if (this.writeRaw) return this.writeRaw(c);
    await this.db.transaction().execute(async (tx) => {
      const { id } = await tx.insertInto('call_log_chunks').values({ ts_min: c.tsMin, ts_max: c.tsMax, n: c.n, owners: c.owners, data: c.data }).returning('id').executeTakeFirstOrThrow();
      await tx.insertInto('call_log_terms').values(c.terms.map((term) => ({ term, chunk: int8(id) }))).execute();
    });
  }

  private decode(ch: ChunkRow): (ChunkRecord | undefined)[] {
    return this.codec.decode(ch.data, ch.owners).map((r, pos) => (r ? { ...r, chunk: ch.id, pos } : undefined));
  }

  /** The SQL test of a chunk: it may hold a matching record (time range, and a term for each filter). */
  private chunkWhere(f: CallLogFilter, cursor: Cursor | undefined): Expression<SqlBool>[] {
    const w: Expression<SqlBool>[] = [];
    const c = sql.ref('call_log_chunks.id');
    const hasTerm = (term: string) => sql<SqlBool>`${c} in (select chunk from call_log_terms where term = ${term})`;
    if (f.from !== undefined) w.push(sql<SqlBool>`ts_max >= ${f.from}`);
    if (f.to !== undefined) w.push(sql<SqlBool>`ts_min < ${f.to}`);
    if (f.statusMin !== undefined || f.statusMax !== undefined) {
      const lo = TERM.status + String(Math.max(100, Math.min(999, f.statusMin ?? 100)));
      const hi = TERM.status + String(Math.max(100, Math.min(999, f.statusMax ?? 999)));
      w.push(sql<SqlBool>`${c} in (select chunk from call_log_terms where term >= ${lo} and term <= ${hi})`);
    }
    if (f.code) w.push(hasTerm(TERM.code + f.code));
    if (f.denied) w.push(hasTerm(DENIED_TERM));
    if (f.team) w.push(hasTerm(TERM.team + f.team));
    if (f.teams) {
      w.push(f.teams.length > 0 ? sql<SqlBool>`${c} in (select chunk from call_log_terms where term in (${sql.join(f.teams.map((t) => TERM.team + t))}))` : sql<SqlBool>`1 = 0`);
    }
    if (f.api) w.push(hasTerm(TERM.api + f.api));
    if (f.service) w.push(hasTerm(TERM.service + f.service));
    if (f.route) w.push(hasTerm(TERM.route + f.route));
    if (f.consumer) w.push(hasTerm(TERM.consumer + f.consumer));
    if (f.provider) w.push(hasTerm(TERM.provider + f.provider));
    if (f.model) w.push(hasTerm(TERM.model + f.model));
    if (f.requestId) w.push(this.mayHoldId(f.requestId));
    if (cursor?.order === 'asc') w.push(sql<SqlBool>`${c} >= ${cursor.chunk}`);
    if (cursor?.order === 'desc') w.push(sql<SqlBool>`ts_min <= ${cursor.ts}`);
    return w;
  }

  /** A gateway-made id is found by the time it carries (and its text in the chunk); any other id by its term. */
  private mayHoldId(id: string): Expression<SqlBool> {
    const byTerm = sql<SqlBool>`${sql.ref('call_log_chunks.id')} in (select chunk from call_log_terms where term = ${TERM.requestId + id})`;
    const t = idTime(id);
    if (t === undefined) return byTerm;
    // The id's ASCII bytes appear as they are in the chunk's v8 bytes (a one-byte string).
    const needle = Buffer.from(id, 'latin1');
    const contains = this.dialect === 'postgres' ? sql<SqlBool>`position(${needle}::bytea in data) > 0` : sql<SqlBool>`instr(data, ${needle}) > 0`;
    const newest = sql<SqlBool>`ts_max between ${t - ID_TIME_WINDOW_MS} and ${t + ID_TIME_WINDOW_MS + CHUNK_SPAN_MS}`;
    return sql<SqlBool>`((${newest} and ts_min <= ${t + ID_TIME_WINDOW_MS} and ${contains}) or ${byTerm})`;
  }

  /** The next ROUND chunks in `order`, after the chunk `after` (the last of the previous round). */
  private async chunks(where: Expression<SqlBool>[], order: 'asc' | 'desc', after: ChunkRow | undefined): Promise<ChunkRow[]> {
    let q = this.db.selectFrom('call_log_chunks').select(['id', 'ts_max', 'data', 'owners']);
    for (const w of where) q = q.where(w);
    if (order === 'asc') {
      if (after) q = q.where('id', '>', after.id);
      q = q.orderBy('id', 'asc');
    } else {
      if (after) q = q.where((eb) => eb.or([eb('ts_max', '<', after.ts_max), eb.and([eb('ts_max', '=', after.ts_max), eb('id', '<', after.id)])]));
      q = q.orderBy('ts_max', 'desc').orderBy('id', 'desc');
    }
    const rows = await q.limit(ROUND).execute();
    return rows.map((r) => ({ id: int8(r.id), ts_max: int8(r.ts_max), data: r.data, owners: r.owners }));
  }

  async query(f: CallLogFilter): Promise<CallLogPage> {
    const order = f.order ?? 'desc';
    const limit = Math.min(Math.max(f.limit ?? 50, 1), 1000);
    const cursor = f.cursor ? decodeCursor(f.cursor) : undefined;
    if (cursor && cursor.order !== order) throw new InvalidCursorError('the cursor belongs to the other order');
    const where = this.chunkWhere(f, cursor);
    const match = recordMatcher(f);
    return order === 'asc' ? this.forward(where, match, limit, cursor?.order === 'asc' ? cursor : undefined, f.cursor) : this.backward(where, match, limit, cursor?.order === 'desc' ? cursor : undefined);
  }

  /** In the order logged, from a position on. */
  private async forward(where: Expression<SqlBool>[], match: (r: ChunkRecord) => boolean, limit: number, from: { chunk: number; pos: number } | undefined, given: string | undefined): Promise<CallLogPage> {
    const items: CallLogSummary[] = [];
    let next = from;
    let after: ChunkRow | undefined;
    for (;;) {
      const batch = await this.chunks(where, 'asc', after);
      for (const ch of batch) {
        const records = this.decode(ch);
        for (let pos = ch.id === from?.chunk ? from.pos : 0; pos < records.length; pos++) {
          const r = records[pos];
          if (r && match(r)) items.push(summary(r));
          next = { chunk: ch.id, pos: pos + 1 };
          if (items.length === limit) return { items, next: encodeCursor({ order: 'asc', ...next }) };
        }
      }
      if (batch.length < ROUND) break;
      after = batch.at(-1);
    }
    return { items, next: next ? encodeCursor({ order: 'asc', ...next }) : given ?? (await this.tailCursor()) };
  }

  /**
   * Newest first. Chunks come by their newest record; once the page's last record started after the
   * newest record of every chunk not read yet, no later chunk can hold a record that belongs before it.
   */
  private async backward(where: Expression<SqlBool>[], match: (r: ChunkRecord) => boolean, limit: number, before: Place | undefined): Promise<CallLogPage> {
    let best: ChunkRecord[] = [];
    let after: ChunkRow | undefined;
    const isBefore = before ? (r: ChunkRecord) => newerFirst(r, before) > 0 : () => true;
    for (;;) {
      const batch = await this.chunks(where, 'desc', after);
      for (const ch of batch) for (const r of this.decode(ch)) if (r && isBefore(r) && match(r)) best.push(r);
      best.sort(newerFirst);
      if (best.length > limit) best = best.slice(0, limit);
      const last = batch.at(-1);
      if (!last || batch.length < ROUND) break;
      if (best.length === limit && best[limit - 1]!.ts > last.ts_max) break;
      after = last;
    }
    const tail = best.length === limit ? best[limit - 1] : undefined;
    return { items: best.map(summary), next: tail ? encodeCursor({ order: 'desc', ts: tail.ts, chunk: tail.chunk, pos: tail.pos }) : undefined };
  }

  /** A cursor positioned after the newest record: following from it shows only what comes next. */
  async tailCursor(): Promise<string> {
    // The start of the next chunk to be written: nothing to decode.
    const r = await this.db.selectFrom('call_log_chunks').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
    return encodeCursor({ order: 'asc', chunk: int8(r?.id ?? 0) + 1, pos: 0 });
  }

  /** The full record of a request (trace and bodies); the newest when an id was reused. */
  async get(requestId: string): Promise<StoredCallLog | undefined> {
    let found: ChunkRecord | undefined;
    let after: ChunkRow | undefined;
    const where = [this.mayHoldId(requestId)];
    for (;;) {
      const batch = await this.chunks(where, 'asc', after);
      for (const ch of batch) for (const r of this.decode(ch)) if (r?.request_id === requestId) found = r;
      if (batch.length < ROUND) break;
      after = batch.at(-1);
    }
    if (!found) return undefined;
    const { chunk, pos, ...row } = found;
    return { id: chunk * CHUNK_RECORDS + pos, ...row };
  }

  /**
   * Deletes records that started before `ts`: whole chunks when all of theirs did, else those records
   * only (left as `null`, so positions and cursors stay). `batch` chunks per statement, so that a big
   * purge never holds a long lock. Returns the number of records deleted.
   */
  async deleteOlderThan(ts: number, batch = 500): Promise<number> {
    let total = 0;
    for (;;) {
      const old = await this.db.selectFrom('call_log_chunks').select(['id', 'n']).where('ts_max', '<', ts).orderBy('ts_max').limit(batch).execute();
      if (old.length === 0) break;
      const ids = old.map((r) => int8(r.id));
      await this.db.transaction().execute(async (tx) => {
        await tx.deleteFrom('call_log_terms').where('chunk', 'in', ids).execute();
        await tx.deleteFrom('call_log_chunks').where('id', 'in', ids).execute();
      });
      total += old.reduce((s, r) => s + int8(r.n), 0);
      if (old.length < batch) break;
    }
    // Chunks that straddle the limit (a long request finishing among newer ones): a few per pass.
    const straddling = await this.db.selectFrom('call_log_chunks').select(['id', 'ts_max', 'data', 'owners']).where('ts_min', '<', ts).execute();
    for (const ch of straddling) {
      const id = int8(ch.id);
      const row: ChunkRow = { id, ts_max: int8(ch.ts_max), data: ch.data, owners: ch.owners };
      const remove = new Set<number>();
      let tsMin = Infinity;
      let live = 0;
      this.decode(row).forEach((r, pos) => {
        if (!r) return;
        if (r.ts < ts) remove.add(pos);
        else {
          live++;
          if (r.ts < tsMin) tsMin = r.ts;
        }
      });
      await this.db.transaction().execute(async (tx) => {
        if (live === 0) {
          await tx.deleteFrom('call_log_terms').where('chunk', '=', id).execute();
          await tx.deleteFrom('call_log_chunks').where('id', '=', id).execute();
        } else {
          await tx.updateTable('call_log_chunks').set({ data: this.codec.remove(ch.data, remove), n: live, ts_min: tsMin }).where('id', '=', id).execute();
        }
      });
      total += remove.size;
    }
    return total;
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('call_log_chunks').select((eb) => eb.fn.sum<number>('n').as('n')).executeTakeFirst();
    return int8(r?.n ?? 0);
  }
}
