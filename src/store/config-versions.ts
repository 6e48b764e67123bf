import type { Kysely } from 'kysely';
import { writeTransaction } from './management/write-transaction.js';
import type { Database } from './schema.js';

export interface ConfigVersion {
  readonly version: number;
  readonly hash: string;
  readonly document: unknown;
  readonly createdAt: number;
  readonly author: string | null;
  readonly message: string | null;
}

export type ConfigVersionMeta = Omit<ConfigVersion, 'document'>;

/** Raised when a write expected a version that is no longer the latest (412 in the admin API). */
export class StaleVersionError extends Error {
  constructor(readonly expected: number, readonly actual: number) {
    super(`config changed since version ${expected} (now ${actual})`);
    this.name = 'StaleVersionError';
  }
}

function row(r: Database['config_versions']): ConfigVersion {
  return { version: r.version, hash: r.hash, document: JSON.parse(r.document) as unknown, createdAt: r.created_at, author: r.author, message: r.message };
}

/** The history of config documents; each save is a new immutable version. */
export class ConfigVersions {
  constructor(private readonly db: Kysely<Database>) {}

  async latest(): Promise<ConfigVersion | undefined> {
    const r = await this.db.selectFrom('config_versions').selectAll().orderBy('version', 'desc').limit(1).executeTakeFirst();
    return r ? row(r) : undefined;
  }

  async get(version: number): Promise<ConfigVersion | undefined> {
    const r = await this.db.selectFrom('config_versions').selectAll().where('version', '=', version).executeTakeFirst();
    return r ? row(r) : undefined;
  }

  async list(limit = 50, before?: number): Promise<ConfigVersionMeta[]> {
    let q = this.db.selectFrom('config_versions').select(['version', 'hash', 'created_at', 'author', 'message']).orderBy('version', 'desc').limit(limit);
    if (before !== undefined) q = q.where('version', '<', before);
    const rows = await q.execute();
    return rows.map((r) => ({ version: r.version, hash: r.hash, createdAt: r.created_at, author: r.author, message: r.message }));
  }

  /**
   * Saves a new version. `expectedVersion` (0 for "no config yet") makes the write conditional:
   * a concurrent writer gets StaleVersionError instead of silently overwriting.
   */
  async save(document: unknown, hash: string, opts: { expectedVersion?: number; author?: string; message?: string } = {}): Promise<ConfigVersion> {
    try {
      return await writeTransaction(this.db, async (trx) => {
        const cur = await trx.selectFrom('config_versions').select('version').orderBy('version', 'desc').limit(1).executeTakeFirst();
        const current = cur?.version ?? 0;
        if (opts.expectedVersion !== undefined && opts.expectedVersion !== current) throw new StaleVersionError(opts.expectedVersion, current);
        const rec = {
          version: current + 1,
          hash,
          document: JSON.stringify(document),
          created_at: Date.now(),
          author: opts.author ?? null,
          message: opts.message ?? null,
        };
        await trx.insertInto('config_versions').values(rec).execute();
        return row(rec);
      });
    } catch (err) {
      if (err instanceof StaleVersionError) throw err;
      // Two writers raced past the read: the primary key decides, the loser is stale.
      if (/unique|duplicate|primary key/i.test((err as Error).message)) {
        const latest = await this.latest();
        throw new StaleVersionError(opts.expectedVersion ?? -1, latest?.version ?? 0);
      }
      throw err;
    }
  }
}
