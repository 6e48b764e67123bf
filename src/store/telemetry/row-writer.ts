import type BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { StoreDialect } from '../open.js';

/**
 * Writes many rows of one table fast: the telemetry worker writes thousands a second, and a multi-row
 * VALUES list built by the query builder costs tens of microseconds per 38-column row.
 * - SQLite with the raw handle: one cached prepared statement, run per row inside one transaction.
 * - PostgreSQL: one statement whose single parameter is a JSON array, expanded by the server
 *   (`json_populate_recordset`).
 * - SQLite without a raw handle (an in-memory store opened elsewhere): `json_each`, slower but correct.
 * Column names are ours (never user input).
 */
export class RowWriter<R extends object> {
  private readonly statement: BetterSqlite3.Statement | undefined;
  private readonly runAll: ((rows: readonly R[]) => void) | undefined;
  private readonly list: string;
  private readonly conflict: string;

  constructor(
    private readonly db: Kysely<never>,
    private readonly dialect: StoreDialect,
    private readonly table: string,
    private readonly columns: readonly (keyof R & string)[],
    sqlite?: BetterSqlite3.Database,
    upsert?: { readonly keys: readonly string[]; readonly replace: readonly string[] },
  ) {
    this.list = columns.join(', ');
    this.conflict = upsert ? ` ON CONFLICT (${upsert.keys.join(', ')}) DO UPDATE SET ${upsert.replace.map((c) => `${c} = excluded.${c}`).join(', ')}` : '';
    if (sqlite && dialect === 'sqlite') {
      const st = sqlite.prepare(`INSERT INTO ${table} (${this.list}) VALUES (${columns.map(() => '?').join(', ')})${this.conflict}`);
      this.statement = st;
      const values = new Array<unknown>(columns.length);
      this.runAll = sqlite.transaction((rows: readonly R[]) => {
        for (const r of rows) {
          for (let i = 0; i < columns.length; i++) values[i] = r[columns[i]!];
          st.run(values);
        }
      });
    }
  }

  async write(rows: readonly R[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.runAll) {
      this.runAll(rows);
      return;
    }
    for (let i = 0; i < rows.length; i += 500) {
      const json = JSON.stringify(rows.slice(i, i + 500));
      if (this.dialect === 'postgres') {
        await sql`INSERT INTO ${sql.raw(`${this.table} (${this.list})`)} SELECT ${sql.raw(this.list)} FROM json_populate_recordset(NULL::${sql.raw(this.table)}, ${json}::json)${sql.raw(this.conflict)}`.execute(this.db);
      } else {
        // `WHERE true`: SQLite's grammar needs it between a SELECT and an ON CONFLICT clause.
        const exprs = this.columns.map((c) => `value ->> '${c}'`).join(', ');
        await sql`INSERT INTO ${sql.raw(`${this.table} (${this.list})`)} SELECT ${sql.raw(exprs)} FROM json_each(${json}) WHERE true${sql.raw(this.conflict)}`.execute(this.db);
      }
    }
  }
}
