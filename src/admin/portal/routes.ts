import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { toYaml } from '../../config/yaml.js';
import { apiOpenApi } from '../../management/api-docs.js';
import { invalid } from '../../management/errors.js';
import { managementFor } from '../../management/plane.js';
import { catalog, catalogApi, createApplication, createKey, myApplication, myApplications, myUsage, subscribe } from '../../management/portal.js';
import { actorOf, ANY, principalOf } from '../auth.js';
import type { AdminHost } from '../context.js';
import { Entity, Id, IdParams, PageOf, PageQuery } from '../http.js';
import { SubscriptionSchema } from '../subscriptions/routes.js';

const CatalogEntry = Entity('An API in the developer portal catalog.', {
  id: Type.String(),
  name: Type.String(),
  version: Type.Optional(Type.String()),
  state: Type.Union([Type.Literal('published'), Type.Literal('deprecated')]),
  base_path: Type.String(),
  approval: Type.String(),
  docs: Type.String({ description: 'Where its OpenAPI document is.' }),
  my_subscriptions: Type.Array(Type.Object({ id: Type.String(), consumer: Type.String(), state: Type.String() }, { additionalProperties: true })),
});

const Application = Entity('One of my applications (a consumer of one of my teams), with its keys and subscriptions.', {
  id: Type.String(),
  team: Type.String(),
  keys: Type.Array(Type.Object({ id: Type.String(), type: Type.String(), hint: Type.Optional(Type.String()) }, { additionalProperties: true })),
  subscriptions: Type.Array(Type.Object({ id: Type.String(), api: Type.String(), state: Type.String() }, { additionalProperties: true })),
});

const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;

function time(v: string | undefined, path: string, dflt: number): number {
  if (v === undefined) return dflt;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalid(path, 'must be an RFC 3339 time such as "2030-01-31T00:00:00Z"');
  return t;
}

/** The developer portal API: catalog and docs, subscribing, my applications and keys, my usage. */
export const portalRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function portal(app) {
    const m = managementFor(host);

    app.get('/portal/apis', {
      config: ANY,
      schema: {
        summary: 'The catalog: published and deprecated APIs you may discover (public ones, and your teams\' private ones), with your subscriptions to each.',
        tags: ['portal'],
        querystring: Type.Object({ ...PageQuery, q: Type.Optional(Type.String({ description: 'Substring of the id or name.' })) }),
        returns: { 200: PageOf(CatalogEntry) },
      },
    }, (req) => catalog(m, principalOf(req), req.query as { q?: string; limit?: number; after?: string }));

    app.get('/portal/apis/:id', {
      config: ANY,
      schema: { summary: 'One catalog API: its routes as published, its lifecycle, your subscriptions.', tags: ['portal'], params: IdParams, returns: { 200: CatalogEntry } },
    }, (req) => catalogApi(m, principalOf(req), idOf(req)));

    app.get('/portal/apis/:id/openapi', {
      config: ANY,
      schema: {
        summary: 'The OpenAPI 3.1 document of a catalog API (its live release).',
        tags: ['portal'],
        params: IdParams,
        querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('yaml')])) }),
        returns: { 200: Type.Object({ openapi: Type.Literal('3.1.0') }, { additionalProperties: true }) },
      },
    }, async (req, reply) => {
      const doc = await apiOpenApi(m, principalOf(req), idOf(req), { portal: true });
      if ((req.query as { format?: string }).format === 'yaml') return reply.type('application/yaml').send(toYaml(doc));
      return doc;
    });

    app.post('/portal/apis/:id/subscriptions', {
      config: ANY,
      schema: {
        summary: 'Subscribe one of my applications to this API, with a reason. Manual approval: pending until the API\'s team decides (calls get 403 subscription.pending meanwhile).',
        tags: ['portal'],
        params: IdParams,
        body: Type.Object({ application: Type.String({ minLength: 1 }), reason: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
        returns: { 201: SubscriptionSchema },
      },
    }, async (req, reply) => reply.code(201).send(await subscribe(m, actorOf(req), idOf(req), req.body as { application: string; reason?: string })));

    app.get('/portal/applications', {
      config: ANY,
      schema: { summary: 'My applications: my teams\' consumers, with their keys (never the keys themselves) and subscriptions.', tags: ['portal'], returns: { 200: Type.Object({ items: Type.Array(Application) }) } },
    }, (req) => myApplications(m, principalOf(req)));

    app.post('/portal/applications', {
      config: ANY,
      schema: {
        summary: 'Register an application in one of my teams (editor); by default with a first API key, shown in `key` this once.',
        tags: ['portal'],
        body: Type.Object(
          {
            id: Id('Application (consumer) id.'),
            team: Type.Optional(Type.String({ description: 'Needed when you are an editor of several teams.' })),
            name: Type.Optional(Type.String({ maxLength: 200 })),
            description: Type.Optional(Type.String({ maxLength: 2000 })),
            key: Type.Optional(Type.Boolean({ default: true, description: 'Create a first key-auth key.' })),
          },
          { additionalProperties: false },
        ),
        returns: { 201: Type.Intersect([Application, Type.Object({ key: Type.Optional(Type.String({ description: 'The API key, shown once.' })) })]) },
      },
    }, async (req, reply) => {
      const r = await createApplication(m, actorOf(req), req.body as { id: string; team?: string; name?: string; description?: string; key?: boolean });
      return reply.code(201).header('cache-control', 'no-store').send(r);
    });

    app.get('/portal/applications/:id', {
      config: ANY,
      schema: { summary: 'One of my applications.', tags: ['portal'], params: IdParams, returns: { 200: Application } },
    }, (req) => myApplication(m, principalOf(req), idOf(req)));

    app.post('/portal/applications/:id/keys', {
      config: ANY,
      schema: {
        summary: 'A new API key for one of my applications, shown in `key` this once (rotate: create a new one, then delete the old one with DELETE /consumers/{id}/credentials/{key}).',
        tags: ['portal'],
        params: IdParams,
        body: Type.Optional(Type.Object({ expires_at: Type.Optional(Type.String()), scopes: Type.Optional(Type.Array(Type.String({ minLength: 1 }))) }, { additionalProperties: false })),
        returns: { 201: Type.Object({ id: Type.String(), hint: Type.Optional(Type.String()), key: Type.String() }, { additionalProperties: true }) },
      },
    }, async (req, reply) => reply.code(201).header('cache-control', 'no-store').send(await createKey(m, actorOf(req), idOf(req), (req.body ?? {}) as { expires_at?: string; scopes?: string[] })));

    app.get('/portal/usage', {
      config: ANY,
      schema: {
        summary: 'My usage: requests, denials, errors, latency and tokens per application and per API, from the analytics rollups.',
        tags: ['portal'],
        querystring: Type.Object({
          from: Type.Optional(Type.String({ description: 'RFC 3339; default 24 hours ago.' })),
          to: Type.Optional(Type.String({ description: 'RFC 3339; default now.' })),
          application: Type.Optional(Type.String()),
        }),
        returns: { 200: Type.Object({ from: Type.String(), to: Type.String(), source: Type.String(), applications: Type.Array(Type.Object({ application: Type.String() }, { additionalProperties: true })) }) },
      },
    }, (req) => {
      const q = req.query as { from?: string; to?: string; application?: string };
      const to = time(q.to, 'to', Date.now() + 1);
      const from = time(q.from, 'from', to - 86_400_000);
      if (from >= to) throw invalid('from', 'must be before to');
      return myUsage(m, principalOf(req), { from, to, ...(q.application ? { application: q.application } : {}) });
    });
  };
