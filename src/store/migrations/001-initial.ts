import type { Kysely } from 'kysely';
import type { Migration } from './types.js';

/** Config versions, persisted denial traces, and a key/value table for instance metadata. */
export const initial: Migration = {
  name: '001-initial',
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('config_versions')
      .addColumn('version', 'integer', (c) => c.primaryKey())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('document', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('author', 'text')
      .addColumn('message', 'text')
      .execute();
    await db.schema
      .createTable('traces')
      .addColumn('request_id', 'text', (c) => c.primaryKey())
      .addColumn('timestamp', 'bigint', (c) => c.notNull())
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('code', 'text')
      .addColumn('route_id', 'text')
      .addColumn('consumer_id', 'text')
      .addColumn('policy_id', 'text')
      .addColumn('trace', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('traces_timestamp').on('traces').column('timestamp').execute();
    await db.schema
      .createTable('meta')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('value', 'text', (c) => c.notNull())
      .execute();
  },
};
