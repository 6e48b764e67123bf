import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { insertOrConflict, pageLimit, StaleEntityError, toPage, type Page, type PageQuery } from './common.js';

export interface User {
  readonly id: string;
  /** Lower-cased. */
  readonly email: string;
  readonly name?: string;
  /** Global role (owner, admin, editor, viewer) or none (team roles only). */
  readonly role?: string;
  /** scrypt hash; absent until the user sets a password (invited). */
  readonly passwordHash?: string;
  readonly disabled: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly lastLoginAt?: number;
  readonly version: number;
}

export interface AdminToken {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly tokenHash: string;
  /** The most this token may do (caps the user's roles); absent = the user's roles. */
  readonly role?: string;
  readonly createdAt: number;
  readonly expiresAt?: number;
  readonly lastUsedAt?: number;
}

export interface AdminSession {
  readonly idHash: string;
  readonly userId: string;
  readonly csrfHash: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly lastSeenAt: number;
  readonly ip?: string;
}

const user = (r: Database['users']): User => ({
  id: r.id,
  email: r.email,
  ...(r.name !== null ? { name: r.name } : {}),
  ...(r.role !== null ? { role: r.role } : {}),
  ...(r.password_hash !== null ? { passwordHash: r.password_hash } : {}),
  disabled: r.disabled !== 0,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  ...(r.last_login_at !== null ? { lastLoginAt: r.last_login_at } : {}),
  version: r.version,
});

const token = (r: Database['admin_tokens']): AdminToken => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  tokenHash: r.token_hash,
  ...(r.role !== null ? { role: r.role } : {}),
  createdAt: r.created_at,
  ...(r.expires_at !== null ? { expiresAt: r.expires_at } : {}),
  ...(r.last_used_at !== null ? { lastUsedAt: r.last_used_at } : {}),
});

const session = (r: Database['admin_sessions']): AdminSession => ({
  idHash: r.id_hash,
  userId: r.user_id,
  csrfHash: r.csrf_hash,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastSeenAt: r.last_seen_at,
  ...(r.ip !== null ? { ip: r.ip } : {}),
});

export interface UserPatch {
  name?: string | null;
  role?: string | null;
  passwordHash?: string | null;
  disabled?: boolean;
  lastLoginAt?: number;
}

/** Admin users, their API tokens (hashed) and console sessions (hashed). */
export class UsersRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async count(): Promise<number> {
    const r = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async get(id: string): Promise<User | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? user(r) : undefined;
  }

  async byEmail(email: string): Promise<User | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
    return r ? user(r) : undefined;
  }

  async list(q: PageQuery & { email?: string } = {}): Promise<Page<User>> {
    const limit = pageLimit(q);
    let query = this.db.selectFrom('users').selectAll().orderBy('id').limit(limit + 1);
    if (q.after) query = query.where('id', '>', q.after);
    if (q.email) query = query.where('email', 'like', `%${q.email.toLowerCase().replace(/[%_]/g, '')}%`);
    return toPage(await query.execute(), limit, (r) => r.id, user);
  }

  async all(): Promise<User[]> {
    return (await this.db.selectFrom('users').selectAll().orderBy('email').execute()).map(user);
  }

  async insert(u: { id: string; email: string; name?: string; role?: string; passwordHash?: string }): Promise<User> {
    const now = Date.now();
    const row = {
      id: u.id,
      email: u.email.toLowerCase(),
      name: u.name ?? null,
      role: u.role ?? null,
      password_hash: u.passwordHash ?? null,
      disabled: 0,
      created_at: now,
      updated_at: now,
      last_login_at: null,
      version: 1,
    };
    await insertOrConflict(`a user with email ${JSON.stringify(row.email)} already exists`, () => this.db.insertInto('users').values(row).execute());
    return user(row);
  }

  async update(id: string, patch: UserPatch, expectedVersion?: number): Promise<User | undefined> {
    const cur = await this.get(id);
    if (!cur) return undefined;
    if (expectedVersion !== undefined && expectedVersion !== cur.version) throw new StaleEntityError('user', id, expectedVersion, cur.version);
    const set: Partial<Database['users']> = { updated_at: Date.now(), version: cur.version + 1 };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.role !== undefined) set.role = patch.role;
    if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
    if (patch.disabled !== undefined) set.disabled = patch.disabled ? 1 : 0;
    if (patch.lastLoginAt !== undefined) set.last_login_at = patch.lastLoginAt;
    const r = await this.db.updateTable('users').set(set).where('id', '=', id).where('version', '=', cur.version).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new StaleEntityError('user', id, cur.version, cur.version + 1);
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // --- API tokens

  async insertToken(t: Omit<AdminToken, 'createdAt' | 'lastUsedAt'>): Promise<AdminToken> {
    const row = { id: t.id, user_id: t.userId, name: t.name, token_hash: t.tokenHash, role: t.role ?? null, created_at: Date.now(), expires_at: t.expiresAt ?? null, last_used_at: null };
    await this.db.insertInto('admin_tokens').values(row).execute();
    return token(row);
  }

  async tokenByHash(hash: string): Promise<AdminToken | undefined> {
    const r = await this.db.selectFrom('admin_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
    return r ? token(r) : undefined;
  }

  async tokens(userId: string): Promise<AdminToken[]> {
    return (await this.db.selectFrom('admin_tokens').selectAll().where('user_id', '=', userId).orderBy('id').execute()).map(token);
  }

  async deleteToken(userId: string, id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('admin_tokens').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async touchToken(id: string, at: number): Promise<void> {
    await this.db.updateTable('admin_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  // --- sessions

  async insertSession(s: AdminSession): Promise<void> {
    await this.db
      .insertInto('admin_sessions')
      .values({ id_hash: s.idHash, user_id: s.userId, csrf_hash: s.csrfHash, created_at: s.createdAt, expires_at: s.expiresAt, last_seen_at: s.lastSeenAt, ip: s.ip ?? null })
      .execute();
  }

  async sessionByHash(hash: string): Promise<AdminSession | undefined> {
    const r = await this.db.selectFrom('admin_sessions').selectAll().where('id_hash', '=', hash).executeTakeFirst();
    return r ? session(r) : undefined;
  }

  async touchSession(hash: string, at: number): Promise<void> {
    await this.db.updateTable('admin_sessions').set({ last_seen_at: at }).where('id_hash', '=', hash).execute();
  }

  async deleteSession(hash: string): Promise<void> {
    await this.db.deleteFrom('admin_sessions').where('id_hash', '=', hash).execute();
  }

  /** Ends every session of a user (password change, disable). */
  async deleteSessionsOf(userId: string): Promise<void> {
    await this.db.deleteFrom('admin_sessions').where('user_id', '=', userId).execute();
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    const r = await this.db.deleteFrom('admin_sessions').where('expires_at', '<', now).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
