import { ConfigVersions } from './config-versions.js';
import { ManagementTables } from './management/index.js';
import { migrate, openConnection, type OpenOptions, type StoreConnection, type StoreDialect } from './open.js';
import { TraceStore } from './traces.js';

/**
 * The one store interface, over SQLite (embedded default) or PostgreSQL. The data plane never
 * queries it per request: it serves from compiled snapshots.
 */
export class Store {
  readonly configs: ConfigVersions;
  readonly traces: TraceStore;
  /** Teams, users, APIs, consumers, subscriptions, audit log (the management plane). */
  readonly management: ManagementTables;

  private constructor(readonly connection: StoreConnection, private readonly schema: string | undefined) {
    this.configs = new ConfigVersions(connection.db);
    this.traces = new TraceStore(connection.db);
    this.management = new ManagementTables(connection.db);
  }

  get dialect(): StoreDialect {
    return this.connection.dialect;
  }

  get db(): StoreConnection['db'] {
    return this.connection.db;
  }

  /** Opens and migrates. */
  static async open(o: OpenOptions): Promise<Store> {
    const conn = openConnection(o);
    const store = new Store(conn, o.schema);
    try {
      await store.migrate();
    } catch (err) {
      await conn.db.destroy();
      throw err;
    }
    return store;
  }

  migrate(): Promise<string[]> {
    return migrate(this.connection, this.schema);
  }

  async close(): Promise<void> {
    await this.connection.db.destroy();
  }
}

export { StaleVersionError } from './config-versions.js';
export type { ConfigVersion, ConfigVersionMeta } from './config-versions.js';
