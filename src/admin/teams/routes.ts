import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { managementFor } from '../../management/plane.js';
import { presentTeam } from '../../management/present.js';
import { ROLES } from '../../management/roles.js';
import { createTeam, deleteTeam, getTeam, listMembers, listTeams, removeMember, setMember, updateTeam } from '../../management/teams.js';
import { actorOf, ANY, principalOf } from '../auth.js';
import type { AdminHost } from '../context.js';
import { Entity, Id, IdParams, ifMatch, IfMatchHeader, Nullable, PageOf, PageQuery, withEtag } from '../http.js';

const TeamSchema = Entity('A team (tenant): owns APIs, consumers and their keys.', {
  id: Type.String(),
  name: Type.String(),
  description: Type.Optional(Type.String()),
  revision: Type.Integer(),
});

const MemberSchema = Entity('A member of a team and their role on it.', { team: Type.String(), user: Type.String(), email: Type.Optional(Type.String()), role: Type.String() });

const MemberParams = Type.Object({ id: Type.String({ minLength: 1 }), user: Type.String({ minLength: 1, description: 'User id or email.' }) });

/** Teams and their members. A team is invisible (404) to whoever has no role on it. */
export const teamRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function teams(app) {
    const m = managementFor(host);
    const id = (p: unknown) => (p as { id: string }).id;

    app.get('/teams', {
      config: ANY,
      schema: { summary: 'Teams you can see (all of them with a global role).', tags: ['teams'], querystring: Type.Object(PageQuery), returns: { 200: PageOf(TeamSchema) } },
    }, async (req) => {
      const page = await listTeams(m, principalOf(req), req.query as { limit?: number; after?: string });
      return { items: page.items.map(presentTeam), next: page.next };
    });

    app.post('/teams', {
      config: ANY,
      schema: {
        summary: 'Create a team (global admin).',
        tags: ['teams'],
        body: Type.Object({ id: Id('Team id.'), name: Type.String({ minLength: 1, maxLength: 200 }), description: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
        returns: { 201: TeamSchema },
      },
    }, async (req, reply) => {
      const t = presentTeam(await createTeam(m, actorOf(req), req.body as { id: string; name: string; description?: string }));
      return reply.code(201).header('etag', `"${t.revision}"`).send(t);
    });

    app.get('/teams/:id', {
      config: ANY,
      schema: { summary: 'One team.', tags: ['teams'], params: IdParams, returns: { 200: TeamSchema } },
    }, async (req, reply) => withEtag(reply, presentTeam(await getTeam(m, principalOf(req), id(req.params)))));

    app.patch('/teams/:id', {
      config: ANY,
      schema: {
        summary: 'Rename or describe a team (team admin).',
        tags: ['teams'],
        params: IdParams,
        headers: IfMatchHeader,
        body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))) }, { additionalProperties: false }),
        returns: { 200: TeamSchema },
      },
    }, async (req, reply) => withEtag(reply, presentTeam(await updateTeam(m, actorOf(req), id(req.params), req.body as { name?: string; description?: string | null }, ifMatch(req)))));

    app.delete('/teams/:id', {
      config: ANY,
      schema: { summary: 'Delete a team that owns no APIs and no consumers (global admin).', tags: ['teams'], params: IdParams, headers: IfMatchHeader, returns: { 204: Type.Null() } },
    }, async (req, reply) => {
      await deleteTeam(m, actorOf(req), id(req.params), ifMatch(req));
      return reply.code(204).send();
    });

    app.get('/teams/:id/members', {
      config: ANY,
      schema: { summary: 'Members of a team and their roles.', tags: ['teams'], params: IdParams, returns: { 200: Type.Object({ items: Type.Array(MemberSchema) }) } },
    }, async (req) => ({ items: await listMembers(m, principalOf(req), id(req.params)) }));

    app.put('/teams/:id/members/:user', {
      config: ANY,
      schema: {
        summary: 'Add a member or change their role (team admin; granting or taking owner needs an owner).',
        tags: ['teams'],
        params: MemberParams,
        body: Type.Object({ role: Type.Union(ROLES.map((r) => Type.Literal(r))) }, { additionalProperties: false }),
        returns: { 200: MemberSchema },
      },
    }, async (req) => {
      const p = req.params as { id: string; user: string };
      return setMember(m, actorOf(req), p.id, { user: p.user, role: (req.body as { role: string }).role });
    });

    app.delete('/teams/:id/members/:user', {
      config: ANY,
      schema: { summary: 'Remove a member (team admin, or yourself).', tags: ['teams'], params: MemberParams, returns: { 204: Type.Null() } },
    }, async (req, reply) => {
      const p = req.params as { id: string; user: string };
      const user = p.user.includes('@') ? (await m.tables.users.byEmail(p.user))?.id ?? p.user : p.user;
      await removeMember(m, actorOf(req), p.id, user);
      return reply.code(204).send();
    });
  };
