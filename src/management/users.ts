import { newId, type Page, type PageQuery, type User } from '../store/management/index.js';
import { requireGlobalRole } from './access.js';
import type { Actor } from './audit.js';
import { forbidden, ManagementError, notFound } from './errors.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import type { ManagementPlane } from './plane.js';
import { presentToken, presentUser } from './present.js';
import { atLeast, globalRole, isRole, type Principal, type Role } from './roles.js';
import { randomToken, safeEqual, sha256 } from './secrets.js';

const RESET_TTL = 72 * 3600_000;

function checkPassword(password: string, email: string): void {
  const problem = passwordProblem(password, email);
  if (problem) throw new ManagementError('admin.invalid_request', `password ${problem}`, [{ path: 'password', message: problem }]);
}

function checkRole(p: Principal, role: string | null | undefined): Role | null | undefined {
  if (role === undefined || role === null) return role;
  if (!isRole(role)) throw new ManagementError('admin.invalid_request', 'role must be owner, admin, editor or viewer', [{ path: 'role', message: 'must be owner, admin, editor or viewer' }]);
  if (role === 'owner' && !atLeast(globalRole(p), 'owner')) throw forbidden('Only a global owner can make another global owner.');
  return role;
}

export async function listUsers(m: ManagementPlane, p: Principal, q: PageQuery & { email?: string }): Promise<Page<User>> {
  requireGlobalRole(p, 'viewer', 'Listing users');
  return m.tables.users.list(q);
}

export async function getUser(m: ManagementPlane, p: Principal, id: string): Promise<User> {
  if (p.userId !== id) requireGlobalRole(p, 'viewer', 'Reading another user');
  const u = await m.tables.users.get(id);
  if (!u) throw notFound('user', id);
  return u;
}

/** A one-time password (re)set token for a user: returned once, stored hashed (72 hours). */
export async function issueReset(m: ManagementPlane, userId: string): Promise<string> {
  const token = randomToken('reset_', 24);
  await m.tables.setMeta(`password_reset:${userId}`, JSON.stringify({ hash: sha256(token), expires: Date.now() + RESET_TTL }));
  return `${userId}.${token}`;
}

/** Creates a user; without a password, returns a one-time link token to set one (an invitation). */
export async function createUser(m: ManagementPlane, actor: Actor, u: { email: string; name?: string; role?: string; password?: string }): Promise<{ user: User; reset_token?: string }> {
  requireGlobalRole(actor.principal, 'admin', 'Creating a user');
  const role = checkRole(actor.principal, u.role);
  if (u.password !== undefined) checkPassword(u.password, u.email);
  const passwordHash = u.password !== undefined ? await hashPassword(u.password) : undefined;
  const user = await m.write(actor, { dataPlane: false, message: 'user.create' }, async ({ tx, audit }) => {
    const created = await tx.users.insert({ id: newId('usr'), email: u.email, ...(u.name ? { name: u.name } : {}), ...(role ? { role } : {}), ...(passwordHash ? { passwordHash } : {}) });
    audit({ action: 'user.create', resource: { type: 'user', id: created.id }, after: presentUser(created) });
    return created;
  });
  return { user, ...(passwordHash ? {} : { reset_token: await issueReset(m, user.id) }) };
}

export function updateUser(m: ManagementPlane, actor: Actor, id: string, patch: { name?: string | null; role?: string | null; disabled?: boolean }, ifMatch?: number): Promise<User> {
  requireGlobalRole(actor.principal, 'admin', 'Changing a user');
  const role = checkRole(actor.principal, patch.role);
  return m.write(actor, { dataPlane: false, message: `user.update ${id}` }, async ({ tx, audit }) => {
    const before = await tx.users.get(id);
    if (!before) throw notFound('user', id);
    if (before.role === 'owner' && !atLeast(globalRole(actor.principal), 'owner')) throw forbidden('Only a global owner can change a global owner.');
    if (id === actor.principal.userId && patch.disabled) throw forbidden('You cannot disable yourself.');
    const after = (await tx.users.update(id, { ...(patch.name !== undefined ? { name: patch.name } : {}), ...(role !== undefined ? { role } : {}), ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}) }, ifMatch))!;
    if (patch.disabled) await tx.users.deleteSessionsOf(id);
    audit({ action: 'user.update', resource: { type: 'user', id }, before: presentUser(before), after: presentUser(after) });
    return after;
  });
}

export function deleteUser(m: ManagementPlane, actor: Actor, id: string): Promise<void> {
  requireGlobalRole(actor.principal, 'admin', 'Deleting a user');
  return m.write(actor, { dataPlane: false, message: `user.delete ${id}` }, async ({ tx, audit }) => {
    const before = await tx.users.get(id);
    if (!before) throw notFound('user', id);
    if (id === actor.principal.userId) throw forbidden('You cannot delete yourself.');
    if (before.role === 'owner' && !atLeast(globalRole(actor.principal), 'owner')) throw forbidden('Only a global owner can delete a global owner.');
    await tx.users.delete(id);
    audit({ action: 'user.delete', resource: { type: 'user', id }, before: presentUser(before) });
  });
}

export async function issuePasswordReset(m: ManagementPlane, actor: Actor, id: string): Promise<string> {
  requireGlobalRole(actor.principal, 'admin', 'Issuing a password link');
  const u = await m.tables.users.get(id);
  if (!u) throw notFound('user', id);
  const token = await issueReset(m, id);
  await m.tables.audit.insert({ actor: { type: actor.principal.kind, name: actor.principal.name }, action: 'user.password_reset.issue', resource: { type: 'user', id }, ...(actor.requestId ? { requestId: actor.requestId } : {}) });
  return token;
}

/** Redeems a password link (`<user id>.<token>`): sets the password, ends the user's sessions. */
export async function redeemPasswordReset(m: ManagementPlane, link: string, password: string): Promise<User> {
  const dot = link.indexOf('.');
  const userId = dot > 0 ? link.slice(0, dot) : '';
  const raw = userId ? await m.tables.getMeta(`password_reset:${userId}`) : undefined;
  const rec = raw ? (JSON.parse(raw) as { hash: string; expires: number }) : undefined;
  const user = userId ? await m.tables.users.get(userId) : undefined;
  if (!rec || !user || rec.expires <= Date.now() || !safeEqual(sha256(link.slice(dot + 1)), rec.hash)) {
    throw new ManagementError('admin.setup_invalid', 'The password link is invalid, expired or already used.');
  }
  checkPassword(password, user.email);
  const updated = (await m.tables.users.update(user.id, { passwordHash: await hashPassword(password) }))!;
  await m.tables.deleteMeta(`password_reset:${userId}`);
  await m.tables.users.deleteSessionsOf(user.id);
  await m.tables.audit.insert({ actor: { type: 'user', id: user.id, name: user.email }, action: 'user.password_reset.redeem', resource: { type: 'user', id: user.id } });
  return updated;
}

export async function changeOwnPassword(m: ManagementPlane, actor: Actor, current: string, next: string): Promise<void> {
  const id = actor.principal.userId;
  if (!id) throw forbidden('Only admin users have passwords.');
  const u = (await m.tables.users.get(id))!;
  if (!u.passwordHash || !(await verifyPassword(current, u.passwordHash))) throw new ManagementError('admin.login_failed', 'The current password is wrong.');
  checkPassword(next, u.email);
  const passwordHash = await hashPassword(next);
  await m.write(actor, { dataPlane: false, message: 'user.password' }, async ({ tx, audit }) => {
    await tx.users.update(id, { passwordHash });
    audit({ action: 'user.password.change', resource: { type: 'user', id } });
  });
}

export async function listOwnTokens(m: ManagementPlane, p: Principal) {
  if (!p.userId) return [];
  return (await m.tables.users.tokens(p.userId)).map(presentToken);
}

export async function createOwnToken(m: ManagementPlane, actor: Actor, o: { name: string; role?: string; expires_in_days?: number }) {
  const userId = actor.principal.userId;
  if (!userId) throw forbidden('API tokens belong to admin users; log in as one (the local operator and the bootstrap token have none).');
  const role = o.role === undefined ? undefined : checkRole({ ...actor.principal, globalRole: 'owner' }, o.role) ?? undefined;
  const expiresAt = o.expires_in_days ? Date.now() + o.expires_in_days * 86_400_000 : undefined;
  return m.write(actor, { dataPlane: false, message: 'token.create' }, async ({ tx, audit }) => {
    const { token, record } = await m.auth.createToken(userId, { name: o.name, ...(role ? { role } : {}), ...(expiresAt ? { expiresAt } : {}) }, tx);
    audit({ action: 'token.create', resource: { type: 'token', id: record.id }, after: presentToken(record) });
    return { ...presentToken(record), token };
  });
}

export function deleteOwnToken(m: ManagementPlane, actor: Actor, id: string): Promise<void> {
  const userId = actor.principal.userId;
  return m.write(actor, { dataPlane: false, message: 'token.delete' }, async ({ tx, audit }) => {
    if (!userId || !(await tx.users.deleteToken(userId, id))) throw notFound('token', id);
    audit({ action: 'token.delete', resource: { type: 'token', id } });
  });
}
