import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { chunksOfRows } from '../../telemetry/chunk-codec.js';
import { CHUNK_RECORDS } from '../telemetry/chunks.js';
import { int8, type CallLogRow } from '../telemetry/tables.js';
import type { Migration } from './types.js';

/**
 * Call logs move from one row per request to chunks with a term index (src/store/telemetry/chunks.ts):
 * the telemetry worker writes a batch as one row and its distinct filter values, not 38 columns and
 * three index entries per request. Existing rows are converted, in the order they were logged.
 */
export const callLogChunks: Migration = {
  name: '203-call-log-chunks',
  async up(db: Kysely<unknown>) {
    const pg = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createTable('call_log_chunks')
      .addColumn('id', pg ? 'bigserial' : 'integer', (c) => c.primaryKey())
      .addColumn('ts_min', 'bigint', (c) => c.notNull())
      .addColumn('ts_max', 'bigint', (c) => c.notNull())
      .addColumn('n', 'integer', (c) => c.notNull())
      .addColumn('owners', 'text', (c) => c.notNull())
      .addColumn('data', pg ? 'bytea' : 'blob', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('call_log_chunks_ts').on('call_log_chunks').columns(['ts_max', 'id']).execute();
    // Retention finds the chunks that straddle its limit by their earliest record.
    await db.schema.createIndex('call_log_chunks_ts_min').on('call_log_chunks').column('ts_min').execute();
    await db.schema
      .createTable('call_log_terms')
      .addColumn('term', 'text', (c) => c.notNull())
      .addColumn('chunk', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('call_log_terms_pk', ['term', 'chunk'])
      .execute();
    await db.schema.createIndex('call_log_terms_chunk').on('call_log_terms').column('chunk').execute();

    type Old = { call_logs: CallLogRow & { id: number } };
    type New = { call_log_chunks: { ts_min: number; ts_max: number; n: number; owners: string; data: Uint8Array; id?: number }; call_log_terms: { term: string; chunk: number } };
    const q = db as unknown as Kysely<Old & New>;
    for (let after = 0; ; ) {
      const rows = await q.selectFrom('call_logs').selectAll().where('id', '>', after).orderBy('id').limit(CHUNK_RECORDS).execute();
      if (rows.length === 0) break;
      after = int8(rows.at(-1)!.id);
      for (const c of chunksOfRows(rows)) {
        const { id } = await q.insertInto('call_log_chunks').values({ ts_min: c.tsMin, ts_max: c.tsMax, n: c.n, owners: c.owners, data: c.data }).returning('id').executeTakeFirstOrThrow();
        await q.insertInto('call_log_terms').values(c.terms.map((term) => ({ term, chunk: int8(id ?? 0) }))).execute();
      }
    }
    await sql`drop table call_logs`.execute(db);
  },
};
