import { PostgresAdapter, type Kysely } from 'kysely';
import type { Migration } from './types.js';

/**
 * Call logs: one row per request (allowed, denied or failed). Only three indexes, to keep inserts
 * cheap: time (every query is a time range), request id, and denials (a partial index: denials are few).
 */
export const callLogs: Migration = {
  name: '200-call-logs',
  async up(db: Kysely<unknown>) {
    const pg = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createTable('call_logs')
      .addColumn('id', pg ? 'bigserial' : 'integer', (c) => c.primaryKey())
      .addColumn('ts', 'bigint', (c) => c.notNull())
      .addColumn('request_id', 'text', (c) => c.notNull())
      .addColumn('team', 'text')
      .addColumn('api', 'text')
      .addColumn('service_id', 'text')
      .addColumn('route_id', 'text')
      .addColumn('consumer_id', 'text')
      .addColumn('credential_id', 'text')
      .addColumn('client_ip', 'text', (c) => c.notNull())
      .addColumn('method', 'text', (c) => c.notNull())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('host', 'text')
      .addColumn('status', 'integer', (c) => c.notNull())
      .addColumn('answered_by', 'text', (c) => c.notNull())
      .addColumn('code', 'text')
      .addColumn('policy_id', 'text')
      .addColumn('config_version', 'integer', (c) => c.notNull())
      .addColumn('duration_ms', 'double precision', (c) => c.notNull())
      .addColumn('overhead_ms', 'double precision')
      .addColumn('connect_ms', 'double precision')
      .addColumn('first_byte_ms', 'double precision')
      .addColumn('upstream_ms', 'double precision')
      .addColumn('bytes_in', 'bigint')
      .addColumn('bytes_out', 'bigint')
      .addColumn('upstream_target', 'text')
      .addColumn('attempts', 'integer')
      .addColumn('provider', 'text')
      .addColumn('model', 'text')
      .addColumn('ai_attempts', 'integer')
      .addColumn('tokens_input', 'bigint')
      .addColumn('tokens_output', 'bigint')
      .addColumn('tokens_cached', 'bigint')
      .addColumn('tokens_reasoning', 'bigint')
      .addColumn('cost', 'double precision')
      .addColumn('trace', 'text', (c) => c.notNull())
      .addColumn('request_body', 'text')
      .addColumn('response_body', 'text')
      .execute();
    await db.schema.createIndex('call_logs_ts').on('call_logs').columns(['ts', 'id']).execute();
    await db.schema.createIndex('call_logs_request_id').on('call_logs').column('request_id').execute();
    await db.schema
      .createIndex('call_logs_denied')
      .on('call_logs')
      .columns(['code', 'ts'])
      .where((eb) => eb('code', 'is not', null))
      .execute();
  },
};
