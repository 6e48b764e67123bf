import type { ManagementTables, Team } from '../store/management/index.js';
import { forbidden, notFound } from './errors.js';
import { atLeast, can, globalRole, teamRole, type Principal, type Role } from './roles.js';

/**
 * Access rules shared by every resource. A team's resources are invisible (404) to someone with no
 * role on that team; visible but not writable resources answer 403 naming the role needed.
 */
export function requireTeamRole(p: Principal, teamId: string, needed: Role, what: { kind: string; id: string }): void {
  if (!teamRole(p, teamId)) throw notFound(what.kind, what.id);
  if (!can(p, teamId, needed)) throw forbidden(`This needs the ${needed} role on team ${teamId}; you have ${teamRole(p, teamId) ?? 'none'}.`);
}

export function requireGlobalRole(p: Principal, needed: Role, action: string): void {
  if (!atLeast(globalRole(p), needed)) throw forbidden(`${action} needs the global ${needed} role; you have ${globalRole(p) ?? 'none'}.`);
}

/** The team, when the principal may see it. */
export async function visibleTeam(tables: ManagementTables, p: Principal, teamId: string): Promise<Team> {
  const team = await tables.teams.get(teamId);
  if (!team || !teamRole(p, teamId)) throw notFound('team', teamId);
  return team;
}
