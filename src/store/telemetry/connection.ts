import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { openConnection, type StoreConnection } from '../open.js';
import type { Database } from '../schema.js';

/**
 * The telemetry worker's own connection. For a SQLite file it keeps the raw handle too, so call
 * logs and rollups are written with cached prepared statements (see RowWriter); otherwise it is the
 * ordinary store connection.
 */
export function openTelemetryConnection(url: string, schema?: string): StoreConnection & { readonly sqlite?: BetterSqlite3.Database } {
  const file = /^postgres(ql)?:\/\//.test(url) ? undefined : url.replace(/^sqlite:/, '');
  if (file === undefined || file === ':memory:') return openConnection({ url, schema });
  // The store opened (and migrated) this file before; same pragmas as src/store/open.ts.
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  // Index pages of a busy call-log table (request ids are random) stay cached: fewer page reads per insert.
  sqlite.pragma('cache_size = -16384');
  return { dialect: 'sqlite', db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }), describe: `sqlite:${file}`, sqlite };
}
