import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_COOKIE, SESSION_COOKIE } from '../../management/auth.js';
import { ManagementError } from '../../management/errors.js';
import { managementFor } from '../../management/plane.js';
import { presentUser } from '../../management/present.js';
import { globalRole, teamRole } from '../../management/roles.js';
import { changeOwnPassword, createOwnToken, deleteOwnToken, listOwnTokens, redeemPasswordReset } from '../../management/users.js';
import { actorOf, ANY, clientIp, PUBLIC, principalOf } from '../auth.js';
import type { AdminHost } from '../context.js';
import { Entity, IdParams, Nullable } from '../http.js';

const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$', description: 'Email address (case-insensitive).' });
const Password = Type.String({ minLength: 1, maxLength: 1024, description: 'At least 12 characters.' });

const UserOut = Entity('An admin user (never a password or its hash).', {
  id: Type.String(),
  email: Type.String(),
  name: Type.Optional(Type.String()),
  role: Nullable(Type.String({ description: 'Global role, or null (team roles only).' })),
  disabled: Type.Boolean(),
  revision: Type.Integer(),
});

const TokenOut = Entity('An API token (the token itself is only in the answer that created it).', {
  id: Type.String(),
  name: Type.String(),
  role: Nullable(Type.String({ description: 'The most this token may do (caps the user\'s roles).' })),
  expires_at: Type.Optional(Type.String()),
  last_used_at: Type.Optional(Type.String()),
  token: Type.Optional(Type.String({ description: '`sluice_pat_…`, returned once at creation.' })),
});

function cookie(name: string, value: string, o: { httpOnly: boolean; maxAge: number; secure: boolean }): string {
  return `${name}=${value}; Path=/; Max-Age=${o.maxAge}; SameSite=Strict${o.httpOnly ? '; HttpOnly' : ''}${o.secure ? '; Secure' : ''}`;
}

/** Secure cookies when the console is served over https (directly, or as the browser's Origin says). */
function secure(req: FastifyRequest): boolean {
  return req.protocol === 'https' || (typeof req.headers.origin === 'string' && req.headers.origin.startsWith('https://'));
}

function clearCookies(req: FastifyRequest, reply: FastifyReply): void {
  const s = secure(req);
  void reply.header('set-cookie', [cookie(SESSION_COOKIE, '', { httpOnly: true, maxAge: 0, secure: s }), cookie(CSRF_COOKIE, '', { httpOnly: false, maxAge: 0, secure: s })]);
}

/** A login form posted from another site (login CSRF) is refused: a browser always sends Origin on a cross-site POST. */
function sameOrigin(req: FastifyRequest): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host === undefined || host !== req.headers.host) throw new ManagementError('admin.csrf_failed', `Logins are only accepted from the admin API's own origin (got Origin ${origin}).`);
}

/** Login, logout, who am I, my password and my API tokens; first-admin setup; password links. */
export const accountRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function account(app) {
    const m = managementFor(host);

    app.post('/auth/login', {
      config: PUBLIC,
      schema: {
        summary: 'Log in to the console: sets the HttpOnly session cookie and returns the CSRF token for writes.',
        description: 'The session cookie (`sluice_session`, HttpOnly, SameSite=Strict) authenticates the console; every write must also send the CSRF token in `X-CSRF-Token` (it is also in the readable `sluice_csrf` cookie). Failed logins are limited per email and per address: 429 `admin.login_rate_limited` with Retry-After.',
        tags: ['account'],
        body: Type.Object({ email: Email, password: Password }, { additionalProperties: false }),
        returns: { 200: Type.Object({ user: UserOut, csrf_token: Type.String(), expires_at: Type.String() }) },
      },
    }, async (req, reply) => {
      sameOrigin(req);
      const b = req.body as { email: string; password: string };
      const r = await m.auth.login(b.email, b.password, clientIp(req));
      const maxAge = Math.floor((r.expiresAt - Date.now()) / 1000);
      const s = secure(req);
      void reply.header('set-cookie', [cookie(SESSION_COOKIE, r.session, { httpOnly: true, maxAge, secure: s }), cookie(CSRF_COOKIE, r.csrf, { httpOnly: false, maxAge, secure: s })]);
      void reply.header('cache-control', 'no-store');
      return { user: presentUser(r.user), csrf_token: r.csrf, expires_at: new Date(r.expiresAt).toISOString() };
    });

    app.post('/auth/logout', {
      config: PUBLIC,
      schema: { summary: 'End the console session (clears its cookies).', tags: ['account'], returns: { 204: Type.Null() } },
    }, async (req, reply) => {
      await m.auth.logout(req.headers.cookie);
      clearCookies(req, reply);
      return reply.code(204).send();
    });

    app.get('/auth/me', {
      config: ANY,
      schema: {
        summary: 'Who am I: the principal, its global role and its role on each team.',
        tags: ['account'],
        returns: { 200: Type.Object({ kind: Type.String(), name: Type.String(), user: Nullable(UserOut), global_role: Nullable(Type.String()), token_role: Nullable(Type.String()), teams: Type.Array(Type.Object({ team: Type.String(), role: Type.String() })) }) },
      },
    }, async (req) => {
      const p = principalOf(req);
      const user = p.userId ? await m.tables.users.get(p.userId) : undefined;
      return {
        kind: p.kind,
        name: p.name,
        user: user ? presentUser(user) : null,
        global_role: globalRole(p) ?? null,
        token_role: p.cap ?? null,
        teams: [...p.teams.keys()].map((team) => ({ team, role: teamRole(p, team)! })),
      };
    });

    app.post('/auth/setup', {
      config: PUBLIC,
      schema: {
        summary: 'Create the first admin user (owner) with the one-time setup token printed at first start.',
        description: 'Works once, while no admin user exists. `sluice admin setup-link --data DIR` issues a new token.',
        tags: ['account'],
        body: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }), email: Email, password: Password, name: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
        returns: { 201: UserOut },
      },
    }, async (req, reply) => {
      const b = req.body as { token: string; email: string; password: string; name?: string };
      const user = await m.auth.setup(b.token, { email: b.email, password: b.password, ...(b.name ? { name: b.name } : {}) });
      await m.tables.audit.insert({ actor: { type: 'setup', name: 'setup token' }, action: 'user.create', resource: { type: 'user', id: user.id }, after: presentUser(user), requestId: req.id, ip: clientIp(req) });
      return reply.code(201).send(presentUser(user));
    });

    app.post('/auth/password/reset', {
      config: PUBLIC,
      schema: {
        summary: 'Set a password with a one-time link (an invitation, or a reset issued by an admin). Ends the user\'s sessions.',
        tags: ['account'],
        body: Type.Object({ link: Type.String({ minLength: 1, maxLength: 300, description: 'The `reset_token` an admin received (`<user id>.<token>`).' }), password: Password }, { additionalProperties: false }),
        returns: { 200: UserOut },
      },
    }, async (req) => {
      const b = req.body as { link: string; password: string };
      return presentUser(await redeemPasswordReset(m, b.link, b.password));
    });

    app.put('/auth/password', {
      config: ANY,
      schema: {
        summary: 'Change my password (needs the current one).',
        tags: ['account'],
        body: Type.Object({ current: Password, password: Password }, { additionalProperties: false }),
        returns: { 204: Type.Null() },
      },
    }, async (req, reply) => {
      const b = req.body as { current: string; password: string };
      await changeOwnPassword(m, actorOf(req), b.current, b.password);
      return reply.code(204).send();
    });

    app.get('/auth/tokens', {
      config: ANY,
      schema: { summary: 'My API tokens (never the tokens themselves).', tags: ['account'], returns: { 200: Type.Object({ items: Type.Array(TokenOut) }) } },
    }, async (req) => ({ items: await listOwnTokens(m, principalOf(req)) }));

    app.post('/auth/tokens', {
      config: ANY,
      schema: {
        summary: 'Create an API token for automation (`Authorization: Bearer sluice_pat_…`); the token is shown once.',
        tags: ['account'],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            role: Type.Optional(Type.Union(['viewer', 'editor', 'admin', 'owner'].map((r) => Type.Literal(r)), { description: 'Cap: the token can do at most this, whatever your roles.' })),
            expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
          },
          { additionalProperties: false },
        ),
        returns: { 201: TokenOut },
      },
    }, async (req, reply) => {
      const t = await createOwnToken(m, actorOf(req), req.body as { name: string; role?: string; expires_in_days?: number });
      void reply.header('cache-control', 'no-store');
      return reply.code(201).send(t);
    });

    app.delete('/auth/tokens/:id', {
      config: ANY,
      schema: { summary: 'Revoke one of my API tokens.', tags: ['account'], params: IdParams, returns: { 204: Type.Null() } },
    }, async (req, reply) => {
      await deleteOwnToken(m, actorOf(req), (req.params as { id: string }).id);
      return reply.code(204).send();
    });
  };
