import type { Page, PageQuery, Team } from '../store/management/index.js';
import { requireGlobalRole, requireTeamRole, visibleTeam } from './access.js';
import type { Actor } from './audit.js';
import { forbidden, invalidState, ManagementError, notFound } from './errors.js';
import type { ManagementPlane } from './plane.js';
import { presentMember, presentTeam } from './present.js';
import { atLeast, isRole, readableTeams, teamRole, type Principal, type Role } from './roles.js';

export async function listTeams(m: ManagementPlane, p: Principal, q: PageQuery): Promise<Page<Team>> {
  const ids = readableTeams(p);
  return m.tables.teams.list({ ...q, ...(ids ? { ids } : {}) });
}

export function getTeam(m: ManagementPlane, p: Principal, id: string): Promise<Team> {
  return visibleTeam(m.tables, p, id);
}

export function createTeam(m: ManagementPlane, actor: Actor, t: { id: string; name: string; description?: string }): Promise<Team> {
  requireGlobalRole(actor.principal, 'admin', 'Creating a team');
  return m.write(actor, { dataPlane: false, message: `team.create ${t.id}` }, async ({ tx, audit }) => {
    const team = await tx.teams.insert(t);
    audit({ action: 'team.create', resource: { type: 'team', id: team.id }, teamId: team.id, after: presentTeam(team) });
    return team;
  });
}

export function updateTeam(m: ManagementPlane, actor: Actor, id: string, patch: { name?: string; description?: string | null }, ifMatch?: number): Promise<Team> {
  return m.write(actor, { dataPlane: false, message: `team.update ${id}` }, async ({ tx, audit }) => {
    const before = await visibleTeam(tx, actor.principal, id);
    requireTeamRole(actor.principal, id, 'admin', { kind: 'team', id });
    const after = (await tx.teams.update(id, patch, ifMatch))!;
    audit({ action: 'team.update', resource: { type: 'team', id }, teamId: id, before: presentTeam(before), after: presentTeam(after) });
    return after;
  });
}

export function deleteTeam(m: ManagementPlane, actor: Actor, id: string, ifMatch?: number): Promise<void> {
  return m.write(actor, { dataPlane: false, message: `team.delete ${id}` }, async ({ tx, audit }) => {
    const before = await visibleTeam(tx, actor.principal, id);
    requireGlobalRole(actor.principal, 'admin', 'Deleting a team');
    if (ifMatch !== undefined && ifMatch !== before.version) throw new ManagementError('admin.precondition_failed', `Team ${id} changed since revision ${ifMatch}; it is now ${before.version}.`, undefined, { etag: `"${before.version}"` });
    const [apis, consumers] = [await tx.apis.countByTeam(id), await tx.consumers.countByTeam(id)];
    if (apis + consumers > 0) throw invalidState(`Team ${id} still owns ${apis} API(s) and ${consumers} consumer(s); delete or move them first.`);
    await tx.teams.delete(id);
    audit({ action: 'team.delete', resource: { type: 'team', id }, teamId: id, before: presentTeam(before) });
  });
}

export async function listMembers(m: ManagementPlane, p: Principal, teamId: string) {
  await visibleTeam(m.tables, p, teamId);
  const members = await m.tables.teams.members(teamId);
  return Promise.all(members.map(async (x) => presentMember(x, await m.tables.users.get(x.userId))));
}

/** Granting or taking `owner` needs an owner (of the team or global). */
function checkGrant(p: Principal, teamId: string, role: Role, previous?: string): void {
  requireTeamRole(p, teamId, 'admin', { kind: 'team', id: teamId });
  if ((role === 'owner' || previous === 'owner') && !atLeast(teamRole(p, teamId), 'owner')) throw forbidden('Only an owner can grant or take the owner role.');
}

export function setMember(m: ManagementPlane, actor: Actor, teamId: string, input: { user: string; role: string }) {
  if (!isRole(input.role)) throw new ManagementError('admin.invalid_request', 'role must be owner, admin, editor or viewer', [{ path: 'role', message: 'must be owner, admin, editor or viewer' }]);
  const role = input.role;
  return m.write(actor, { dataPlane: false, message: `team.member ${teamId}` }, async ({ tx, audit }) => {
    await visibleTeam(tx, actor.principal, teamId);
    const user = input.user.includes('@') ? await tx.users.byEmail(input.user) : await tx.users.get(input.user);
    if (!user) throw notFound('user', input.user);
    const prev = await tx.teams.membership(teamId, user.id);
    checkGrant(actor.principal, teamId, role, prev?.role);
    const mem = await tx.teams.setMember(teamId, user.id, role);
    audit({ action: prev ? 'team.member.update' : 'team.member.add', resource: { type: 'team', id: teamId }, teamId, before: prev ? presentMember(prev, user) : undefined, after: presentMember(mem, user) });
    return presentMember(mem, user);
  });
}

export function removeMember(m: ManagementPlane, actor: Actor, teamId: string, userId: string): Promise<void> {
  return m.write(actor, { dataPlane: false, message: `team.member.remove ${teamId}` }, async ({ tx, audit }) => {
    await visibleTeam(tx, actor.principal, teamId);
    const prev = await tx.teams.membership(teamId, userId);
    if (!prev) throw notFound('member', userId);
    if (actor.principal.userId !== userId) checkGrant(actor.principal, teamId, 'viewer', prev.role);
    await tx.teams.removeMember(teamId, userId);
    audit({ action: 'team.member.remove', resource: { type: 'team', id: teamId }, teamId, before: presentMember(prev, await tx.users.get(userId)) });
  });
}
