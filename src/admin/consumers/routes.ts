import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { PolicyAttachmentSchema } from '../../config/schema.js';
import { createConsumer, createCredential, deleteConsumer, deleteCredential, getConsumer, listConsumers, rotateCredential, updateConsumer, type ConsumerInput } from '../../management/consumers.js';
import { managementFor } from '../../management/plane.js';
import { presentConsumer, presentCredential } from '../../management/present.js';
import { actorOf, ANY, principalOf } from '../auth.js';
import type { AdminHost } from '../context.js';
import { Entity, Id, IdParams, ifMatch, IfMatchHeader, Nullable, PageOf, PageQuery, withEtag } from '../http.js';

export const CredentialOut = Entity('A credential as shown: its type and non-secret facts (hint, username, subject…).', {
  id: Type.String(),
  type: Type.String(),
  hint: Type.Optional(Type.String({ description: 'key-auth: the last characters of the key.' })),
  expires_at: Type.Optional(Type.String()),
});

export const ConsumerSchema = Entity('A consumer (application) of a team, with its credentials.', {
  id: Type.String(),
  team: Type.String(),
  name: Type.Optional(Type.String()),
  groups: Type.Array(Type.String()),
  credentials: Type.Array(CredentialOut),
  revision: Type.Integer(),
});

export const Issued = Type.Object({
  credential: CredentialOut,
  secret: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'The generated key or password: shown in this answer only, never again.' })),
});

export const CredentialBody = Type.Object(
  {
    type: Type.String({ minLength: 1, description: '`key-auth` (a key is generated unless `key` is given), `basic-auth` (`username`, optional `password`), `jwt` (`subject` or `client_id`, optional `issuer`: an OAuth2 client), or another registered type with its fields.' }),
    id: Type.Optional(Id('Credential id (default: generated).')),
    scopes: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    expires_at: Type.Optional(Type.String({ description: 'RFC 3339.' })),
  },
  { additionalProperties: true },
);

const CredParams = Type.Object({ id: Type.String({ minLength: 1 }), credential: Type.String({ minLength: 1 }) });
const ConsumerFields = {
  name: Type.Optional(Type.String({ maxLength: 200 })),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  groups: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Groups for access lists.' })),
  policies: Type.Optional(Type.Array(PolicyAttachmentSchema, { description: 'Consumer-scoped policies (rate limits, quotas…).' })),
};

const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;

/** Consumers (applications) and their credentials: keys are shown once, rotatable with an overlap. */
export const consumerRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function consumers(app) {
    const m = managementFor(host);
    const present = async (id: string, req: FastifyRequest) => {
      const c = await getConsumer(m, principalOf(req), id);
      return presentConsumer(c.consumer, c.credentials);
    };

    app.get('/consumers', {
      config: ANY,
      schema: {
        summary: 'Consumers of the teams you can see.',
        tags: ['consumers'],
        querystring: Type.Object({ ...PageQuery, team: Type.Optional(Type.String()), q: Type.Optional(Type.String({ description: 'Substring of the id or name.' })) }),
        returns: { 200: PageOf(ConsumerSchema) },
      },
    }, async (req) => {
      const page = await listConsumers(m, principalOf(req), req.query as { team?: string; q?: string; limit?: number; after?: string });
      const items = await Promise.all(page.items.map(async (c) => presentConsumer(c, await m.tables.consumers.credentials(c.id))));
      return { items, next: page.next };
    });

    app.post('/consumers', {
      config: ANY,
      schema: {
        summary: 'Create a consumer in a team (team editor).',
        tags: ['consumers'],
        body: Type.Object({ id: Id('Consumer id (the gateway consumer id: in traces, call logs, limits).'), team: Type.String({ minLength: 1 }), ...ConsumerFields }, { additionalProperties: false }),
        returns: { 201: ConsumerSchema },
      },
    }, async (req, reply) => {
      const c = presentConsumer(await createConsumer(m, actorOf(req), req.body as ConsumerInput), []);
      return reply.code(201).header('etag', `"${c.revision}"`).send(c);
    });

    app.get('/consumers/:id', {
      config: ANY,
      schema: { summary: 'One consumer with its credentials (never their secrets).', tags: ['consumers'], params: IdParams, returns: { 200: ConsumerSchema } },
    }, async (req, reply) => withEtag(reply, await present(idOf(req), req)));

    app.patch('/consumers/:id', {
      config: ANY,
      schema: {
        summary: 'Change a consumer (team editor).',
        tags: ['consumers'],
        params: IdParams,
        headers: IfMatchHeader,
        body: Type.Object({ ...ConsumerFields, name: Type.Optional(Nullable(Type.String({ maxLength: 200 }))), description: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))) }, { additionalProperties: false }),
        returns: { 200: ConsumerSchema },
      },
    }, async (req, reply) => {
      await updateConsumer(m, actorOf(req), idOf(req), req.body as Parameters<typeof updateConsumer>[3], ifMatch(req));
      return withEtag(reply, await present(idOf(req), req));
    });

    app.delete('/consumers/:id', {
      config: ANY,
      schema: { summary: 'Delete a consumer with its credentials and subscriptions (team editor).', tags: ['consumers'], params: IdParams, headers: IfMatchHeader, returns: { 204: Type.Null() } },
    }, async (req, reply) => {
      await deleteConsumer(m, actorOf(req), idOf(req), ifMatch(req));
      return reply.code(204).send();
    });

    app.post('/consumers/:id/credentials', {
      config: ANY,
      schema: {
        summary: 'Add a credential (team editor). A generated key or password is in `secret`, in this answer only.',
        tags: ['consumers'],
        params: IdParams,
        body: CredentialBody,
        returns: { 201: Issued },
      },
    }, async (req, reply) => {
      const r = await createCredential(m, actorOf(req), idOf(req), req.body as { type: string; id?: string });
      void reply.header('cache-control', 'no-store');
      return reply.code(201).send({ credential: presentCredential(r.credential), ...(r.secret ? { secret: r.secret } : {}) });
    });

    app.post('/consumers/:id/credentials/:credential/rotate', {
      config: ANY,
      schema: {
        summary: 'Rotate a credential\'s secret (team editor): the new key or password is in `secret`, once. With `overlap` (key-auth), the old key keeps working that long.',
        tags: ['consumers'],
        params: CredParams,
        body: Type.Optional(Type.Object({ overlap: Type.Optional(Type.Union([Type.String(), Type.Integer({ minimum: 0 })], { description: 'How long the previous key stays valid, e.g. "24h".' })), password: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false })),
        returns: { 200: Issued },
      },
    }, async (req, reply) => {
      const p = req.params as { id: string; credential: string };
      const r = await rotateCredential(m, actorOf(req), p.id, p.credential, (req.body ?? {}) as Record<string, unknown>);
      void reply.header('cache-control', 'no-store');
      return { credential: presentCredential(r.credential), ...(r.secret ? { secret: r.secret } : {}) };
    });

    app.delete('/consumers/:id/credentials/:credential', {
      config: ANY,
      schema: { summary: 'Delete a credential (team editor).', tags: ['consumers'], params: CredParams, returns: { 204: Type.Null() } },
    }, async (req, reply) => {
      const p = req.params as { id: string; credential: string };
      await deleteCredential(m, actorOf(req), p.id, p.credential);
      return reply.code(204).send();
    });
  };
