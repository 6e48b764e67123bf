import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { managementFor } from '../../management/plane.js';
import { presentUser } from '../../management/present.js';
import { ROLES } from '../../management/roles.js';
import { createUser, deleteUser, getUser, issuePasswordReset, listUsers, updateUser } from '../../management/users.js';
import { actorOf, ANY, principalOf } from '../auth.js';
import type { AdminHost } from '../context.js';
import { Entity, IdParams, ifMatch, IfMatchHeader, Nullable, PageOf, PageQuery, withEtag } from '../http.js';

const Role = Type.Union(ROLES.map((r) => Type.Literal(r)), { description: 'owner, admin, editor or viewer.' });

export const UserSchema = Entity('An admin user.', {
  id: Type.String(),
  email: Type.String(),
  name: Type.Optional(Type.String()),
  role: Nullable(Type.String({ description: 'Global role (every team), or null: team roles only.' })),
  disabled: Type.Boolean(),
  has_password: Type.Boolean(),
  last_login_at: Type.Optional(Type.String()),
  revision: Type.Integer(),
});

/** Admin users (global admins manage them; anyone reads their own). */
export const userRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function users(app) {
    const m = managementFor(host);

    app.get('/users', {
      config: ANY,
      schema: {
        summary: 'Admin users (needs a global role).',
        tags: ['users'],
        querystring: Type.Object({ ...PageQuery, email: Type.Optional(Type.String({ description: 'Substring of the email.' })) }),
        returns: { 200: PageOf(UserSchema) },
      },
    }, async (req) => {
      const page = await listUsers(m, principalOf(req), req.query as { limit?: number; after?: string; email?: string });
      return { items: page.items.map(presentUser), next: page.next };
    });

    app.post('/users', {
      config: ANY,
      schema: {
        summary: 'Create an admin user (global admin). Without a password, the answer has a one-time `reset_token` to set one (an invitation).',
        tags: ['users'],
        body: Type.Object(
          {
            email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' }),
            name: Type.Optional(Type.String({ maxLength: 200 })),
            role: Type.Optional(Role),
            password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
          },
          { additionalProperties: false },
        ),
        returns: { 201: Type.Intersect([UserSchema, Type.Object({ reset_token: Type.Optional(Type.String({ description: 'Redeem with POST /auth/password/reset (72 hours, once).' })) })]) },
      },
    }, async (req, reply) => {
      const r = await createUser(m, actorOf(req), req.body as { email: string; name?: string; role?: string; password?: string });
      void reply.header('etag', `"${r.user.version}"`).header('cache-control', 'no-store');
      return reply.code(201).send({ ...presentUser(r.user), ...(r.reset_token ? { reset_token: r.reset_token } : {}) });
    });

    app.get('/users/:id', {
      config: ANY,
      schema: { summary: 'One admin user (yourself, or anyone with a global role).', tags: ['users'], params: IdParams, returns: { 200: UserSchema } },
    }, async (req, reply) => withEtag(reply, presentUser(await getUser(m, principalOf(req), (req.params as { id: string }).id))));

    app.patch('/users/:id', {
      config: ANY,
      schema: {
        summary: 'Change a user\'s name, global role or disabled flag (global admin; owners only by owners). Disabling ends their sessions.',
        tags: ['users'],
        params: IdParams,
        headers: IfMatchHeader,
        body: Type.Object({ name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))), role: Type.Optional(Nullable(Role)), disabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        returns: { 200: UserSchema },
      },
    }, async (req, reply) => withEtag(reply, presentUser(await updateUser(m, actorOf(req), (req.params as { id: string }).id, req.body as { name?: string | null; role?: string | null; disabled?: boolean }, ifMatch(req)))));

    app.delete('/users/:id', {
      config: ANY,
      schema: { summary: 'Delete an admin user (global admin); their tokens and sessions end.', tags: ['users'], params: IdParams, returns: { 204: Type.Null() } },
    }, async (req, reply) => {
      await deleteUser(m, actorOf(req), (req.params as { id: string }).id);
      return reply.code(204).send();
    });

    app.post('/users/:id/password-link', {
      config: ANY,
      schema: {
        summary: 'Issue a one-time password link for a user (global admin): redeem with POST /auth/password/reset.',
        tags: ['users'],
        params: IdParams,
        returns: { 201: Type.Object({ reset_token: Type.String(), expires_in_hours: Type.Integer() }) },
      },
    }, async (req, reply) => {
      const token = await issuePasswordReset(m, actorOf(req), (req.params as { id: string }).id);
      void reply.header('cache-control', 'no-store');
      return reply.code(201).send({ reset_token: token, expires_in_hours: 72 });
    });
  };
