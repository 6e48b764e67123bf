import { sql, SqliteAdapter, type Kysely } from 'kysely';

/**
 * A read-then-write transaction that cannot fail half-way on SQLite. A plain (deferred) SQLite
 * transaction starts as a read snapshot; when another connection (the telemetry worker) commits
 * before it writes, the upgrade fails at once with SQLITE_BUSY_SNAPSHOT — busy_timeout does not
 * apply. `BEGIN IMMEDIATE` takes the write lock first (waiting up to busy_timeout). PostgreSQL:
 * an ordinary transaction.
 */
export async function writeTransaction<DB, T>(db: Kysely<DB>, fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) return db.transaction().execute(fn);
  if (db.isTransaction) return fn(db);
  return db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const r = await fn(conn);
      await sql`commit`.execute(conn);
      return r;
    } catch (err) {
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw err;
    }
  });
}
