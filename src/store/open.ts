import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type Migration as KyselyMigration } from 'kysely';
import pg from 'pg';
import { MIGRATIONS } from './migrations/index.js';
import type { Database } from './schema.js';

export type StoreDialect = 'sqlite' | 'postgres';

export interface StoreConnection {
  readonly dialect: StoreDialect;
  readonly db: Kysely<Database>;
  /** Where it points, without secrets (for logs). */
  readonly describe: string;
}

export interface OpenOptions {
  /** `postgres://…` / `postgresql://…`, or a SQLite file path (`sqlite:` prefix optional), or `:memory:`. */
  readonly url: string;
  /** PostgreSQL schema to use (created if missing); tests use one per suite. */
  readonly schema?: string;
}

// bigint columns (epoch ms) come back as strings from pg by default; they fit a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function openConnection(o: OpenOptions): StoreConnection {
  if (/^postgres(ql)?:\/\//.test(o.url)) {
    const url = new URL(o.url);
    const pool = new pg.Pool({
      connectionString: o.url,
      max: 10,
      ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}),
    });
    const describe = `postgres://${url.host}${url.pathname}${o.schema ? ` (schema ${o.schema})` : ''}`;
    return { dialect: 'postgres', db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), describe };
  }
  const file = o.url.replace(/^sqlite:/, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  return { dialect: 'sqlite', db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }), describe: `sqlite:${file}` };
}

/** Runs pending migrations; returns the names applied now. */
export async function migrate(conn: StoreConnection, schema?: string): Promise<string[]> {
  if (conn.dialect === 'postgres' && schema) {
    await conn.db.schema.createSchema(schema).ifNotExists().execute();
  }
  // Kysely looks for its migration tables in every schema unless told which: pin them to the
  // connection's own, or another schema of the same database (a parallel test suite) hides them.
  const tableSchema =
    conn.dialect === 'postgres' ? (schema ?? (await sql<{ s: string }>`select current_schema() as s`.execute(conn.db)).rows[0]?.s) : undefined;
  const migrator = new Migrator({
    db: conn.db,
    ...(tableSchema ? { migrationTableSchema: tableSchema } : {}),
    provider: {
      getMigrations: () =>
        Promise.resolve(
          Object.fromEntries(MIGRATIONS.map((m): [string, KyselyMigration] => [m.name, { up: (db) => m.up(db) }])),
        ),
    },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
