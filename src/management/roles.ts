/**
 * Roles, global or per team: viewer reads, editor changes drafts/consumers/credentials and asks for
 * subscriptions, admin publishes and decides subscriptions and manages members, owner also manages
 * owners. A member's role on a team is the higher of their global role and their team role; an API
 * token may cap it.
 */
export const ROLES = ['viewer', 'editor', 'admin', 'owner'] as const;
export type Role = (typeof ROLES)[number];

const LEVEL: Record<Role, number> = { viewer: 1, editor: 2, admin: 3, owner: 4 };

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

export function atLeast(role: Role | undefined, min: Role): boolean {
  return role !== undefined && LEVEL[role] >= LEVEL[min];
}

function max(a: Role | undefined, b: Role | undefined): Role | undefined {
  if (!a) return b;
  if (!b) return a;
  return LEVEL[a] >= LEVEL[b] ? a : b;
}

function min(a: Role | undefined, cap: Role | undefined): Role | undefined {
  if (!a || !cap) return a;
  return LEVEL[a] <= LEVEL[cap] ? a : cap;
}

export type PrincipalKind = 'user' | 'token' | 'local' | 'bootstrap';

/** Who is calling the admin API, resolved once per request. */
export interface Principal {
  readonly kind: PrincipalKind;
  /** The admin user (absent for the local operator and the bootstrap token). */
  readonly userId?: string;
  /** For the audit log: email, token name, `local` or `bootstrap-token`. */
  readonly name: string;
  readonly globalRole?: Role;
  /** Team id → role. */
  readonly teams: ReadonlyMap<string, Role>;
  /** API tokens may be limited to a role. */
  readonly cap?: Role;
  readonly tokenId?: string;
}

export function globalRole(p: Principal): Role | undefined {
  return min(p.globalRole, p.cap);
}

export function teamRole(p: Principal, teamId: string): Role | undefined {
  return min(max(p.globalRole, p.teams.get(teamId)), p.cap);
}

export function can(p: Principal, teamId: string, needed: Role): boolean {
  return atLeast(teamRole(p, teamId), needed);
}

/** Teams whose resources the principal may read; undefined = every team (a global role). */
export function readableTeams(p: Principal): string[] | undefined {
  if (globalRole(p)) return undefined;
  return [...p.teams.keys()];
}

/** The operator on the admin host itself (loopback, `--admin-auth local`) or the bootstrap token. */
export function superPrincipal(kind: 'local' | 'bootstrap'): Principal {
  return { kind, name: kind === 'local' ? 'local' : 'bootstrap-token', globalRole: 'owner', teams: new Map() };
}
