import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { insertOrConflict, json, pageLimit, parse, StaleEntityError, toPage, type Page, type PageQuery } from './common.js';

/** An API as stored: metadata, lifecycle state and the working (draft) definition. */
export interface ApiRecord {
  readonly id: string;
  readonly teamId: string;
  readonly name: string;
  readonly versionLabel?: string;
  readonly description?: string;
  readonly state: string;
  readonly visibility: string;
  readonly approval: string;
  readonly subscriptionRequired: boolean;
  /** The draft definition (JSON); what is live is the snapshot of `liveRelease`. */
  readonly definition: unknown;
  readonly deprecation?: unknown;
  readonly liveRelease?: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly version: number;
}

/** An immutable published release of an API. */
export interface ApiRelease {
  readonly apiId: string;
  readonly number: number;
  readonly snapshot: unknown;
  readonly diff: unknown;
  readonly notes?: string;
  readonly author?: string;
  readonly createdAt: number;
}

export type ApiPatch = Partial<Pick<ApiRecord, 'name' | 'state' | 'visibility' | 'approval' | 'subscriptionRequired' | 'definition' | 'liveRelease'>> & {
  versionLabel?: string | null;
  description?: string | null;
  deprecation?: unknown;
};

const api = (r: Database['apis']): ApiRecord => ({
  id: r.id,
  teamId: r.team_id,
  name: r.name,
  ...(r.version_label !== null ? { versionLabel: r.version_label } : {}),
  ...(r.description !== null ? { description: r.description } : {}),
  state: r.state,
  visibility: r.visibility,
  approval: r.approval,
  subscriptionRequired: r.subscription_required !== 0,
  definition: JSON.parse(r.definition) as unknown,
  ...(r.deprecation !== null ? { deprecation: parse(r.deprecation) } : {}),
  ...(r.live_release !== null ? { liveRelease: r.live_release } : {}),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

const release = (r: Database['api_releases']): ApiRelease => ({
  apiId: r.api_id,
  number: r.number,
  snapshot: JSON.parse(r.snapshot) as unknown,
  diff: JSON.parse(r.diff) as unknown,
  ...(r.notes !== null ? { notes: r.notes } : {}),
  ...(r.author !== null ? { author: r.author } : {}),
  createdAt: r.created_at,
});

export interface ApiQuery extends PageQuery {
  /** Restrict to these teams (what the caller may see); undefined = all. */
  readonly teams?: readonly string[];
  readonly team?: string;
  readonly states?: readonly string[];
  readonly visibility?: string;
  /** Substring of the id or name. */
  readonly q?: string;
}

/** APIs and their release history. */
export class ApisRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(id: string): Promise<ApiRecord | undefined> {
    const r = await this.db.selectFrom('apis').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? api(r) : undefined;
  }

  async list(q: ApiQuery = {}): Promise<Page<ApiRecord>> {
    if (q.teams && q.teams.length === 0) return { items: [] };
    const limit = pageLimit(q);
    let query = this.db.selectFrom('apis').selectAll().orderBy('id').limit(limit + 1);
    if (q.after) query = query.where('id', '>', q.after);
    if (q.teams) query = query.where('team_id', 'in', [...q.teams]);
    if (q.team) query = query.where('team_id', '=', q.team);
    if (q.states) query = query.where('state', 'in', [...q.states]);
    if (q.visibility) query = query.where('visibility', '=', q.visibility);
    if (q.q) {
      // lower() on both sides: LIKE is case-insensitive on SQLite, case-sensitive on PostgreSQL.
      const like = `%${q.q.replace(/[%_]/g, '').toLowerCase()}%`;
      query = query.where((eb) => eb.or([eb(eb.fn('lower', ['id']), 'like', like), eb(eb.fn('lower', ['name']), 'like', like)]));
    }
    return toPage(await query.execute(), limit, (r) => r.id, api);
  }

  async all(): Promise<ApiRecord[]> {
    return (await this.db.selectFrom('apis').selectAll().orderBy('id').execute()).map(api);
  }

  async countByTeam(teamId: string): Promise<number> {
    const r = await this.db.selectFrom('apis').select((eb) => eb.fn.countAll<string | number>().as('n')).where('team_id', '=', teamId).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async insert(a: Omit<ApiRecord, 'createdAt' | 'updatedAt' | 'version'>): Promise<ApiRecord> {
    const now = Date.now();
    const row: Database['apis'] = {
      id: a.id,
      team_id: a.teamId,
      name: a.name,
      version_label: a.versionLabel ?? null,
      description: a.description ?? null,
      state: a.state,
      visibility: a.visibility,
      approval: a.approval,
      subscription_required: a.subscriptionRequired ? 1 : 0,
      definition: json(a.definition),
      deprecation: a.deprecation === undefined ? null : json(a.deprecation),
      live_release: a.liveRelease ?? null,
      created_at: now,
      updated_at: now,
      version: 1,
    };
    await insertOrConflict(`an API with id ${JSON.stringify(a.id)} already exists`, () => this.db.insertInto('apis').values(row).execute());
    return api(row);
  }

  async update(id: string, patch: ApiPatch, expectedVersion?: number): Promise<ApiRecord | undefined> {
    const cur = await this.get(id);
    if (!cur) return undefined;
    if (expectedVersion !== undefined && expectedVersion !== cur.version) throw new StaleEntityError('api', id, expectedVersion, cur.version);
    const set: Partial<Database['apis']> = { updated_at: Date.now(), version: cur.version + 1 };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.versionLabel !== undefined) set.version_label = patch.versionLabel;
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.state !== undefined) set.state = patch.state;
    if (patch.visibility !== undefined) set.visibility = patch.visibility;
    if (patch.approval !== undefined) set.approval = patch.approval;
    if (patch.subscriptionRequired !== undefined) set.subscription_required = patch.subscriptionRequired ? 1 : 0;
    if (patch.definition !== undefined) set.definition = json(patch.definition);
    if ('deprecation' in patch) set.deprecation = patch.deprecation === undefined || patch.deprecation === null ? null : json(patch.deprecation);
    if (patch.liveRelease !== undefined) set.live_release = patch.liveRelease;
    const r = await this.db.updateTable('apis').set(set).where('id', '=', id).where('version', '=', cur.version).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new StaleEntityError('api', id, cur.version, cur.version + 1);
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('apis').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // --- releases

  async insertRelease(r: Omit<ApiRelease, 'createdAt'>): Promise<ApiRelease> {
    const row: Database['api_releases'] = {
      api_id: r.apiId,
      number: r.number,
      snapshot: json(r.snapshot),
      diff: json(r.diff),
      notes: r.notes ?? null,
      author: r.author ?? null,
      created_at: Date.now(),
    };
    await insertOrConflict(`release ${r.number} of ${r.apiId} already exists`, () => this.db.insertInto('api_releases').values(row).execute());
    return release(row);
  }

  async release(apiId: string, number: number): Promise<ApiRelease | undefined> {
    const r = await this.db.selectFrom('api_releases').selectAll().where('api_id', '=', apiId).where('number', '=', number).executeTakeFirst();
    return r ? release(r) : undefined;
  }

  async latestRelease(apiId: string): Promise<ApiRelease | undefined> {
    const r = await this.db.selectFrom('api_releases').selectAll().where('api_id', '=', apiId).orderBy('number', 'desc').limit(1).executeTakeFirst();
    return r ? release(r) : undefined;
  }

  /** Releases newest first; `before` is a release number cursor. */
  async releases(apiId: string, q: { limit?: number; before?: number } = {}): Promise<{ items: ApiRelease[]; next?: number }> {
    const limit = pageLimit(q);
    let query = this.db.selectFrom('api_releases').selectAll().where('api_id', '=', apiId).orderBy('number', 'desc').limit(limit + 1);
    if (q.before !== undefined) query = query.where('number', '<', q.before);
    const rows = await query.execute();
    const more = rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(release);
    return { items, ...(more ? { next: items[items.length - 1]!.number } : {}) };
  }

  /** The live release of every API that has one (what the data plane serves). */
  async liveReleases(): Promise<ApiRelease[]> {
    const rows = await this.db
      .selectFrom('api_releases')
      .innerJoin('apis', (j) => j.onRef('apis.id', '=', 'api_releases.api_id').onRef('apis.live_release', '=', 'api_releases.number'))
      .selectAll('api_releases')
      .orderBy('api_releases.api_id')
      .execute();
    return rows.map(release);
  }
}
