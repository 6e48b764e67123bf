import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { insertOrConflict, json, pageLimit, StaleEntityError, toPage, type Page, type PageQuery } from './common.js';

/** A consumer (application) owned by a team. */
export interface ConsumerRecord {
  readonly id: string;
  readonly teamId: string;
  readonly name?: string;
  readonly description?: string;
  readonly groups: readonly string[];
  /** Consumer-scoped policy attachments (config document shape). */
  readonly policies: readonly unknown[];
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly version: number;
}

/** A credential as stored: the fields the auth policy verifies with (hashed/sealed), plus what may be shown. */
export interface CredentialRecord {
  readonly id: string;
  readonly consumerId: string;
  readonly type: string;
  /** The credential as it goes into the config document (never the plain secret when it can be hashed). */
  readonly fields: Readonly<Record<string, unknown>>;
  /** Non-secret facts shown in lists (key prefix, username, key id…). */
  readonly display: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly expiresAt?: number;
}

const consumer = (r: Database['consumers']): ConsumerRecord => ({
  id: r.id,
  teamId: r.team_id,
  ...(r.name !== null ? { name: r.name } : {}),
  ...(r.description !== null ? { description: r.description } : {}),
  groups: JSON.parse(r.groups) as string[],
  policies: JSON.parse(r.policies) as unknown[],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

const credential = (r: Database['consumer_credentials']): CredentialRecord => ({
  id: r.id,
  consumerId: r.consumer_id,
  type: r.type,
  fields: JSON.parse(r.fields) as Record<string, unknown>,
  display: JSON.parse(r.display) as Record<string, unknown>,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  ...(r.expires_at !== null ? { expiresAt: r.expires_at } : {}),
});

export interface ConsumerQuery extends PageQuery {
  readonly teams?: readonly string[];
  readonly team?: string;
  readonly q?: string;
}

/** Consumers (applications) and their credentials. */
export class ConsumersRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(id: string): Promise<ConsumerRecord | undefined> {
    const r = await this.db.selectFrom('consumers').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? consumer(r) : undefined;
  }

  async list(q: ConsumerQuery = {}): Promise<Page<ConsumerRecord>> {
    if (q.teams && q.teams.length === 0) return { items: [] };
    const limit = pageLimit(q);
    let query = this.db.selectFrom('consumers').selectAll().orderBy('id').limit(limit + 1);
    if (q.after) query = query.where('id', '>', q.after);
    if (q.teams) query = query.where('team_id', 'in', [...q.teams]);
    if (q.team) query = query.where('team_id', '=', q.team);
    if (q.q) {
      // lower() on both sides: LIKE is case-insensitive on SQLite, case-sensitive on PostgreSQL.
      const like = `%${q.q.replace(/[%_]/g, '').toLowerCase()}%`;
      query = query.where((eb) => eb.or([eb(eb.fn('lower', ['id']), 'like', like), eb(eb.fn('lower', ['name']), 'like', like)]));
    }
    return toPage(await query.execute(), limit, (r) => r.id, consumer);
  }

  async all(): Promise<ConsumerRecord[]> {
    return (await this.db.selectFrom('consumers').selectAll().orderBy('id').execute()).map(consumer);
  }

  async countByTeam(teamId: string): Promise<number> {
    const r = await this.db.selectFrom('consumers').select((eb) => eb.fn.countAll<string | number>().as('n')).where('team_id', '=', teamId).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async insert(c: { id: string; teamId: string; name?: string; description?: string; groups?: readonly string[]; policies?: readonly unknown[] }): Promise<ConsumerRecord> {
    const now = Date.now();
    const row: Database['consumers'] = {
      id: c.id,
      team_id: c.teamId,
      name: c.name ?? null,
      description: c.description ?? null,
      groups: json(c.groups ?? []),
      policies: json(c.policies ?? []),
      created_at: now,
      updated_at: now,
      version: 1,
    };
    await insertOrConflict(`a consumer with id ${JSON.stringify(c.id)} already exists`, () => this.db.insertInto('consumers').values(row).execute());
    return consumer(row);
  }

  async update(
    id: string,
    patch: { name?: string | null; description?: string | null; groups?: readonly string[]; policies?: readonly unknown[] },
    expectedVersion?: number,
  ): Promise<ConsumerRecord | undefined> {
    const cur = await this.get(id);
    if (!cur) return undefined;
    if (expectedVersion !== undefined && expectedVersion !== cur.version) throw new StaleEntityError('consumer', id, expectedVersion, cur.version);
    const set: Partial<Database['consumers']> = { updated_at: Date.now(), version: cur.version + 1 };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.groups !== undefined) set.groups = json(patch.groups);
    if (patch.policies !== undefined) set.policies = json(patch.policies);
    const r = await this.db.updateTable('consumers').set(set).where('id', '=', id).where('version', '=', cur.version).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new StaleEntityError('consumer', id, cur.version, cur.version + 1);
    return this.get(id);
  }

  /** Bumps the version (a credential changed: the consumer's ETag must change too). */
  async touch(id: string): Promise<void> {
    const cur = await this.get(id);
    if (cur) await this.db.updateTable('consumers').set({ updated_at: Date.now(), version: cur.version + 1 }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('consumers').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // --- credentials

  async credentials(consumerId: string): Promise<CredentialRecord[]> {
    return (await this.db.selectFrom('consumer_credentials').selectAll().where('consumer_id', '=', consumerId).orderBy('id').execute()).map(credential);
  }

  async allCredentials(): Promise<CredentialRecord[]> {
    return (await this.db.selectFrom('consumer_credentials').selectAll().orderBy('consumer_id').orderBy('id').execute()).map(credential);
  }

  async credential(id: string): Promise<CredentialRecord | undefined> {
    const r = await this.db.selectFrom('consumer_credentials').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? credential(r) : undefined;
  }

  async insertCredential(c: Omit<CredentialRecord, 'createdAt' | 'updatedAt'>): Promise<CredentialRecord> {
    const now = Date.now();
    const row: Database['consumer_credentials'] = {
      id: c.id,
      consumer_id: c.consumerId,
      type: c.type,
      fields: json(c.fields),
      display: json(c.display),
      created_at: now,
      updated_at: now,
      expires_at: c.expiresAt ?? null,
    };
    await insertOrConflict(`a credential with id ${JSON.stringify(c.id)} already exists`, () => this.db.insertInto('consumer_credentials').values(row).execute());
    return credential(row);
  }

  async updateCredential(id: string, patch: { fields?: Record<string, unknown>; display?: Record<string, unknown>; expiresAt?: number | null }): Promise<CredentialRecord | undefined> {
    const set: Partial<Database['consumer_credentials']> = { updated_at: Date.now() };
    if (patch.fields !== undefined) set.fields = json(patch.fields);
    if (patch.display !== undefined) set.display = json(patch.display);
    if (patch.expiresAt !== undefined) set.expires_at = patch.expiresAt;
    await this.db.updateTable('consumer_credentials').set(set).where('id', '=', id).execute();
    return this.credential(id);
  }

  async deleteCredential(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('consumer_credentials').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
