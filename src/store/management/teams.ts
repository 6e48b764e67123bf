import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { insertOrConflict, pageLimit, StaleEntityError, toPage, type Page, type PageQuery } from './common.js';

export interface Team {
  readonly id: string;
  readonly name: string;
  readonly description?: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly version: number;
}

export interface Membership {
  readonly teamId: string;
  readonly userId: string;
  readonly role: string;
  readonly createdAt: number;
}

const team = (r: Database['teams']): Team => ({
  id: r.id,
  name: r.name,
  ...(r.description !== null ? { description: r.description } : {}),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

const member = (r: Database['team_members']): Membership => ({ teamId: r.team_id, userId: r.user_id, role: r.role, createdAt: r.created_at });

/** Teams (tenants) and who belongs to them with which role. */
export class TeamsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(id: string): Promise<Team | undefined> {
    const r = await this.db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? team(r) : undefined;
  }

  /** `ids` restricts the list (the teams a user may see); undefined = all. */
  async list(q: PageQuery & { ids?: readonly string[] } = {}): Promise<Page<Team>> {
    if (q.ids && q.ids.length === 0) return { items: [] };
    const limit = pageLimit(q);
    let query = this.db.selectFrom('teams').selectAll().orderBy('id').limit(limit + 1);
    if (q.after) query = query.where('id', '>', q.after);
    if (q.ids) query = query.where('id', 'in', [...q.ids]);
    return toPage(await query.execute(), limit, (r) => r.id, team);
  }

  async all(): Promise<Team[]> {
    return (await this.db.selectFrom('teams').selectAll().orderBy('id').execute()).map(team);
  }

  async insert(t: { id: string; name: string; description?: string }): Promise<Team> {
    const now = Date.now();
    const row = { id: t.id, name: t.name, description: t.description ?? null, created_at: now, updated_at: now, version: 1 };
    await insertOrConflict(`a team with id ${JSON.stringify(t.id)} already exists`, () => this.db.insertInto('teams').values(row).execute());
    return team(row);
  }

  async update(id: string, patch: { name?: string; description?: string | null }, expectedVersion?: number): Promise<Team | undefined> {
    const cur = await this.get(id);
    if (!cur) return undefined;
    if (expectedVersion !== undefined && expectedVersion !== cur.version) throw new StaleEntityError('team', id, expectedVersion, cur.version);
    const r = await this.db
      .updateTable('teams')
      .set({ ...(patch.name !== undefined ? { name: patch.name } : {}), ...(patch.description !== undefined ? { description: patch.description } : {}), updated_at: Date.now(), version: cur.version + 1 })
      .where('id', '=', id)
      .where('version', '=', cur.version)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new StaleEntityError('team', id, cur.version, cur.version + 1);
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('teams').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async members(teamId: string): Promise<Membership[]> {
    return (await this.db.selectFrom('team_members').selectAll().where('team_id', '=', teamId).orderBy('user_id').execute()).map(member);
  }

  async allMembers(): Promise<Membership[]> {
    return (await this.db.selectFrom('team_members').selectAll().orderBy('team_id').orderBy('user_id').execute()).map(member);
  }

  async membershipsOf(userId: string): Promise<Membership[]> {
    return (await this.db.selectFrom('team_members').selectAll().where('user_id', '=', userId).orderBy('team_id').execute()).map(member);
  }

  async membership(teamId: string, userId: string): Promise<Membership | undefined> {
    const r = await this.db.selectFrom('team_members').selectAll().where('team_id', '=', teamId).where('user_id', '=', userId).executeTakeFirst();
    return r ? member(r) : undefined;
  }

  /** Adds or changes a member's role. */
  async setMember(teamId: string, userId: string, role: string): Promise<Membership> {
    const existing = await this.membership(teamId, userId);
    if (existing) {
      await this.db.updateTable('team_members').set({ role }).where('team_id', '=', teamId).where('user_id', '=', userId).execute();
      return { ...existing, role };
    }
    const row = { team_id: teamId, user_id: userId, role, created_at: Date.now() };
    await insertOrConflict('already a member', () => this.db.insertInto('team_members').values(row).execute());
    return member(row);
  }

  async removeMember(teamId: string, userId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('team_members').where('team_id', '=', teamId).where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
