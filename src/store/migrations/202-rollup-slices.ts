import { sql, type Kysely } from 'kysely';
import type { Migration } from './types.js';

/**
 * Rollup slices: per (grain, bucket, writer node) the grand total (`dim` '') and the total of each
 * value of each dimension. Their keys lead with (grain, dim, value), so a dashboard's gateway-wide or
 * one-dimension query reads one contiguous index range: a week of one API is 168 hourly rows whatever
 * the number of consumers and routes. A second index serves "top N values of a dimension". Full cells
 * get an index by consumer, the one high-cardinality dimension queries filter on.
 */
export const rollupSlices: Migration = {
  name: '202-rollup-slices',
  async up(db: Kysely<unknown>) {
    let t = db.schema
      .createTable('rollup_slices')
      .addColumn('grain', 'text', (c) => c.notNull())
      .addColumn('dim', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('bucket', 'bigint', (c) => c.notNull())
      .addColumn('node', 'text', (c) => c.notNull());
    for (const m of ['requests', 'denied', 'client_errors', 'server_errors', 'bytes_in', 'bytes_out', 'tokens_input', 'tokens_output', 'tokens_cached', 'tokens_reasoning']) {
      t = t.addColumn(m, 'bigint', (c) => c.notNull().defaultTo(0));
    }
    t = t
      .addColumn('cost', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('latency_sum', 'double precision', (c) => c.notNull().defaultTo(0))
      .addColumn('statuses', 'text', (c) => c.notNull())
      .addColumn('codes', 'text', (c) => c.notNull())
      .addColumn('latency', 'text', (c) => c.notNull())
      .addColumn('overhead', 'text', (c) => c.notNull());
    await t.execute();
    await db.schema.createIndex('rollup_slices_key').on('rollup_slices').columns(['grain', 'dim', 'value', 'bucket', 'node']).unique().execute();
    await db.schema.createIndex('rollup_slices_by_bucket').on('rollup_slices').columns(['grain', 'dim', 'bucket']).execute();
    await db.schema.createIndex('rollups_consumer').on('rollups').columns(['grain', 'consumer', 'bucket']).execute();
    // Slice rows an earlier build kept in `rollups` itself (dimensions set to '*').
    await sql`DELETE FROM rollups WHERE team = '*' OR api = '*' OR route = '*' OR consumer = '*' OR provider = '*' OR model = '*'`.execute(db);
  },
};
