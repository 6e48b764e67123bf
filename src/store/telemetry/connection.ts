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
  // 4 MiB of page cache (SQLite's default is 2). Gateway request ids are time-ordered (UUIDv7), so
  // inserts touch the right edge of each index; a larger cache only filled up with pages just
  // written (16 MiB cost 16 MiB of RSS under load). Random ids from a trusted caller read their
  // index pages from the OS page cache instead.
  sqlite.pragma('cache_size = -4096');
  return { dialect: 'sqlite', db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }), describe: `sqlite:${file}`, sqlite };
}
