/**
 * Who is calling the admin API, and what they may do — the helpers every admin resource uses.
 *
 * Every request is authenticated once, in the server's `onRequest` hook (`authenticateRequest`,
 * before the body is read), by one of: a console session cookie (`sluice_session`, writes also need
 * `X-CSRF-Token`), an API token (`Authorization: Bearer sluice_pat_…`), the bootstrap token
 * (`SLUICE_ADMIN_TOKEN`), or — in `--admin-auth local`, the loopback default — the local operator
 * (a request from the admin host itself with no credential).
 *
 * A route declares who may reach it in `config.access`:
 * - omitted (the default, safe for operator resources): a global **viewer** for GET/HEAD, a global
 *   **admin** for any write. Config, traces, the simulator and call logs are operator views.
 * - `'any'`: any authenticated principal; the handler checks team roles itself with the helpers
 *   below (team resources: APIs, consumers, subscriptions, portal…).
 * - `'read'`: a global **viewer** whatever the method (read-only POSTs: simulate, validate, plan).
 * - `'public'`: no authentication (login, first-admin setup, password links).
 *
 * In a handler:
 * - `principalOf(req)` — the Principal (roles global and per team; see src/management/roles.ts).
 * - `actorOf(req)` — principal + request id + client IP, for ManagementPlane writes (audit log).
 * - `requireRole(req, 'viewer')` — a global role, else 403 `admin.forbidden` naming the role needed.
 * - `requireRole(req, 'editor', { team: 'payments' })` — a role on one team (a global role counts):
 *   404 `admin.not_found` when the caller has no role at all on that team (a team's resources are
 *   invisible to others), 403 `admin.forbidden` when the role is too low.
 * - `visibleTeams(req)` — team ids whose data the caller may read, `undefined` meaning every team
 *   (a global role); filter lists by it (e.g. call logs by their `team`).
 * - `canSeeTeam(req, team)` — the same as a boolean, for one item.
 *
 * @example
 * app.get('/logs', { config: { access: 'any' }, schema: { … } }, async (req) => {
 *   const teams = visibleTeams(req);               // undefined = all
 *   return host.telemetry!.logs({ ...filter, ...(teams ? { teams } : {}) });
 * });
 * app.delete('/logs', {}, handler);                // default access: global admin only
 */
import type { FastifyRequest } from 'fastify';
import { requireGlobalRole, requireTeamRole } from '../management/access.js';
import type { Actor } from '../management/audit.js';
import { ManagementError } from '../management/errors.js';
import type { ManagementPlane } from '../management/plane.js';
import { readableTeams, teamRole, type Principal, type Role } from '../management/roles.js';

export type RouteAccess = 'public' | 'any' | 'read';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; see src/admin/auth.ts. Omitted: global viewer to read, global admin to write. */
    access?: RouteAccess;
  }
  interface FastifyRequest {
    /** The authenticated caller (also `principalOf(req)`); undefined on a public route without credentials. */
    principal?: Principal | undefined;
  }
}

/** Route config of a team resource: any authenticated caller, the handler checks roles. */
export const ANY = { access: 'any' } as const satisfies { access: RouteAccess };
/** Route config of a read-only operator endpoint called with POST (a global viewer may call it). */
export const READ = { access: 'read' } as const satisfies { access: RouteAccess };
/** Route config of an endpoint that needs no authentication. */
export const PUBLIC = { access: 'public' } as const satisfies { access: RouteAccess };

const principals = new WeakMap<FastifyRequest, Principal>();
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The TCP peer (the admin listener trusts no forwarding header). */
export function clientIp(req: FastifyRequest): string {
  return req.socket.remoteAddress ?? req.ip;
}

export function unauthorized(detail: string): ManagementError {
  return new ManagementError('admin.unauthorized', detail, undefined, { 'www-authenticate': 'Bearer realm="sluice-admin"' });
}

/** The server's onRequest step: resolves the principal and enforces the route's `access`. */
export async function authenticateRequest(plane: ManagementPlane, req: FastifyRequest): Promise<void> {
  const access = req.routeOptions.config.access;
  let p: Principal | undefined;
  try {
    p = await plane.auth.authenticate({
      method: req.method,
      authorization: header(req, 'authorization'),
      cookie: header(req, 'cookie'),
      csrf: header(req, 'x-csrf-token'),
      remote: clientIp(req),
      host: header(req, 'host'),
      origin: header(req, 'origin'),
    });
  } catch (err) {
    // A stale cookie or token must not lock anyone out of logging in again.
    if (access !== 'public') throw err;
  }
  if (p) {
    principals.set(req, p);
    req.principal = p;
  }
  if (access === 'public') return;
  if (!p) {
    throw unauthorized(
      plane.auth.options.mode === 'local'
        ? 'This request does not come from the admin host itself (loopback peer, Host and Origin): log in (POST /auth/login) or send an API token as "Authorization: Bearer <token>".'
        : 'Log in (POST /auth/login) or send an API token as "Authorization: Bearer <token>".',
    );
  }
  if (access === undefined || access === 'read') requireGlobalRole(p, access === 'read' || SAFE.has(req.method) ? 'viewer' : 'admin', `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0] ?? ''}`);
}

/** The caller; on a public route, undefined when the request carries no valid credential. */
export function maybePrincipal(req: FastifyRequest): Principal | undefined {
  return principals.get(req);
}

/** The caller (every non-public route has one). */
export function principalOf(req: FastifyRequest): Principal {
  const p = principals.get(req);
  if (!p) throw unauthorized('Log in (POST /auth/login) or send an API token as "Authorization: Bearer <token>".');
  return p;
}

/** Who did it, for the audit log of a ManagementPlane write. */
export function actorOf(req: FastifyRequest): Actor {
  return { principal: principalOf(req), requestId: req.id, ip: clientIp(req) };
}

/**
 * A global role, or with `team` a role on that team (404 when the caller has no role on it).
 * Returns the principal.
 */
export function requireRole(req: FastifyRequest, role: Role, o: { team?: string } = {}): Principal {
  const p = principalOf(req);
  if (o.team === undefined) requireGlobalRole(p, role, `${req.method} ${req.routeOptions.url ?? ''}`.trim());
  else requireTeamRole(p, o.team, role, { kind: 'team', id: o.team });
  return p;
}

/** Team ids whose resources the caller may read; undefined = every team. */
export function visibleTeams(req: FastifyRequest): string[] | undefined {
  return readableTeams(principalOf(req));
}

export function canSeeTeam(req: FastifyRequest, team: string): boolean {
  return teamRole(principalOf(req), team) !== undefined;
}
