import type { Kysely } from 'kysely';
import type { Migration } from './types.js';

/**
 * Analytics rollups per minute, hour and day. The unique key starts with (grain, bucket), so the same
 * index serves the upsert of a writer and the time-range scans of dashboard queries.
 */
export const rollups: Migration = {
  name: '201-rollups',
  async up(db: Kysely<unknown>) {
    let t = db.schema
      .createTable('rollups')
      .addColumn('grain', 'text', (c) => c.notNull())
      .addColumn('bucket', 'bigint', (c) => c.notNull())
      .addColumn('node', 'text', (c) => c.notNull());
    for (const d of ['team', 'api', 'route', 'consumer', 'provider', 'model']) t = t.addColumn(d, 'text', (c) => c.notNull().defaultTo(''));
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
    await db.schema
      .createIndex('rollups_key')
      .on('rollups')
      .columns(['grain', 'bucket', 'node', 'team', 'api', 'route', 'consumer', 'provider', 'model'])
      .unique()
      .execute();
  },
};
