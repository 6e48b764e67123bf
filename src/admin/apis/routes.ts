import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { PolicyAttachmentSchema, UpstreamSchema } from '../../config/schema.js';
import { parseConfigText, toYaml } from '../../config/yaml.js';
import { apiOpenApi, importApi, type ImportInput } from '../../management/api-docs.js';
import { createApi, deleteApi, deprecateApi, getRelease, listApis, listReleases, publishApi, readApi, retireApi, rollbackApi, undeprecateApi, updateApi, type ApiInput, type ApiPatchInput } from '../../management/apis.js';
import { ApiDefinitionSchema } from '../../management/definition.js';
import { diffJson, formatChanges } from '../../management/diff.js';
import { invalid } from '../../management/errors.js';
import { managementFor } from '../../management/plane.js';
import { presentApi, presentRelease } from '../../management/present.js';
import { actorOf, ANY, principalOf } from '../auth.js';
import type { AdminHost } from '../context.js';
import { Entity, Id, IdParams, ifMatch, IfMatchHeader, Nullable, PageOf, PageQuery, withEtag } from '../http.js';

const Visibility = Type.Union([Type.Literal('public'), Type.Literal('private')], { description: '`public`: in every developer\'s portal catalog once published. `private`: only the owning team sees it.' });
const Approval = Type.Union([Type.Literal('auto'), Type.Literal('manual')], { description: '`manual`: subscriptions wait for an admin of the API\'s team; `auto`: approved at once.' });

const ApiMeta = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  version: Type.Optional(Type.String({ maxLength: 50, description: 'Version label, e.g. `v1` (versions are separate APIs under their own base paths).' })),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  visibility: Type.Optional(Visibility),
  approval: Type.Optional(Approval),
  subscription_required: Type.Optional(Type.Boolean({ description: 'Calls need an approved subscription (default true; needs an authentication policy).' })),
};

export const ApiSchema = Entity('An API: metadata, lifecycle state, the working (draft) definition and its live release.', {
  id: Type.String(),
  team: Type.String(),
  name: Type.String(),
  state: Type.Union(['draft', 'published', 'deprecated', 'retired'].map((s) => Type.Literal(s))),
  visibility: Type.String(),
  approval: Type.String(),
  subscription_required: Type.Boolean(),
  base_path: Type.String(),
  live_release: Nullable(Type.Integer()),
  definition: ApiDefinitionSchema,
  revision: Type.Integer(),
});

const Changes = Type.Array(Type.Object({ op: Type.String(), path: Type.String(), from: Type.Optional(Type.Unknown()), to: Type.Optional(Type.Unknown()) }));

const ReleaseSchema = Entity('An immutable release: the definition as published, and its diff against the previous release.', {
  api: Type.String(),
  number: Type.Integer(),
  notes: Type.Optional(Type.String()),
  author: Type.Optional(Type.String()),
  created_at: Type.String(),
  diff: Changes,
});

const Lifecycle = { 200: ApiSchema };
const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;

/** APIs, their lifecycle (draft → published → deprecated → retired), releases, OpenAPI import/export. */
export const apiRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function apis(app) {
    const m = managementFor(host);
    app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, { document: parseConfigText(body as string, 'body') });
      } catch (err) {
        done(err as Error, undefined);
      }
    });

    app.get('/apis', {
      config: ANY,
      schema: {
        summary: 'APIs of the teams you can see.',
        tags: ['apis'],
        querystring: Type.Object({ ...PageQuery, team: Type.Optional(Type.String()), state: Type.Optional(Type.String({ description: 'draft, published, deprecated or retired.' })), q: Type.Optional(Type.String({ description: 'Substring of the id or name.' })) }),
        returns: { 200: PageOf(ApiSchema) },
      },
    }, async (req) => {
      const page = await listApis(m, principalOf(req), req.query as { team?: string; state?: string; q?: string; limit?: number; after?: string });
      return { items: page.items.map(presentApi), next: page.next };
    });

    app.post('/apis', {
      config: ANY,
      schema: {
        summary: 'Create an API as a draft (team editor). The definition is checked as if it were live; nothing is served until it is published.',
        tags: ['apis'],
        body: Type.Object({ id: Id('API id (also the gateway service id; routes are `<api>.<route>`).'), team: Type.String({ minLength: 1 }), ...ApiMeta, definition: Type.Optional(ApiDefinitionSchema) }, { additionalProperties: false }),
        returns: { 201: ApiSchema },
      },
    }, async (req, reply) => {
      const a = presentApi(await createApi(m, actorOf(req), req.body as ApiInput));
      return reply.code(201).header('etag', `"${a.revision}"`).send(a);
    });

    app.post('/apis/import', {
      config: ANY,
      schema: {
        summary: 'Create a draft API from an OpenAPI 3.0 or 3.1 document: one route per path, request validation from its parameters and bodies, the document as its docs.',
        description: 'The body is JSON with the document in `document` (object or YAML/JSON text); or send the document itself as `application/yaml` with `team` and `id` in the query. `servers[0]` gives the base path and, when absolute, the upstream. What the gateway cannot check is listed in `warnings`.',
        tags: ['apis'],
        querystring: Type.Object({
          team: Type.Optional(Type.String()),
          id: Type.Optional(Type.String()),
          subscription_required: Type.Optional(Type.Boolean()),
          policy: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'API-wide policies by name, e.g. `policy=key-auth`.' })),
        }),
        body: Type.Object(
          {
            id: Type.Optional(Id('API id.')),
            team: Type.Optional(Type.String({ minLength: 1 })),
            ...ApiMeta,
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Default: the document\'s info.title.' })),
            document: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.String()], { description: 'The OpenAPI document (object, or JSON/YAML text).' }),
            base_path: Type.Optional(Type.String({ pattern: '^/' })),
            upstream: Type.Optional(UpstreamSchema),
            policies: Type.Optional(Type.Array(PolicyAttachmentSchema, { description: 'API-wide policies to add, e.g. `[{ name: key-auth }]`.' })),
            validation: Type.Optional(Type.Boolean({ description: 'Build request-validation policies (default true).' })),
          },
          { additionalProperties: false },
        ),
        returns: { 201: Type.Object({ api: ApiSchema, warnings: Type.Array(Type.String()) }) },
      },
    }, async (req, reply) => {
      const q = req.query as { team?: string; id?: string; subscription_required?: boolean; policy?: string[] };
      const b = { ...(q.subscription_required !== undefined ? { subscription_required: q.subscription_required } : {}), ...(q.policy?.length ? { policies: q.policy.map((name) => ({ name })) } : {}), ...(req.body as Partial<ImportInput> & { document: unknown }) };
      const doc = typeof b.document === 'string' ? parseConfigText(b.document, 'document') : b.document;
      const id = b.id ?? q.id;
      const team = b.team ?? q.team;
      if (!team) throw invalid('team', 'is required (in the body, or the query with a YAML body)');
      if (!id) throw invalid('id', 'is required (in the body, or the query with a YAML body)');
      const r = await importApi(m, actorOf(req), { ...b, id, team, document: doc });
      const a = presentApi(r.api);
      return reply.code(201).header('etag', `"${a.revision}"`).send({ api: a, warnings: r.warnings });
    });

    app.get('/apis/:id', {
      config: ANY,
      schema: { summary: 'One API (ETag: its revision).', tags: ['apis'], params: IdParams, returns: { 200: ApiSchema } },
    }, async (req, reply) => withEtag(reply, presentApi(await readApi(m.tables, principalOf(req), idOf(req)))));

    app.patch('/apis/:id', {
      config: ANY,
      schema: {
        summary: 'Change an API\'s metadata or its working definition (team editor). A live API keeps serving its release until the next publish; metadata such as approval and visibility apply at once.',
        tags: ['apis'],
        params: IdParams,
        headers: IfMatchHeader,
        body: Type.Object({ ...ApiMeta, name: Type.Optional(ApiMeta.name), version: Type.Optional(Nullable(Type.String({ maxLength: 50 }))), description: Type.Optional(Nullable(Type.String({ maxLength: 10_000 }))), definition: Type.Optional(ApiDefinitionSchema) }, { additionalProperties: false }),
        returns: { 200: ApiSchema },
      },
    }, async (req, reply) => withEtag(reply, presentApi(await updateApi(m, actorOf(req), idOf(req), req.body as ApiPatchInput, ifMatch(req)))));

    app.delete('/apis/:id', {
      config: ANY,
      schema: { summary: 'Delete a draft or retired API (team admin), with its releases and subscriptions.', tags: ['apis'], params: IdParams, headers: IfMatchHeader, returns: { 204: Type.Null() } },
    }, async (req, reply) => {
      await deleteApi(m, actorOf(req), idOf(req), ifMatch(req));
      return reply.code(204).send();
    });

    app.post('/apis/:id/publish', {
      config: ANY,
      schema: {
        summary: 'Publish the working definition as a new immutable release and serve it (team admin). Publishing an unchanged definition is a no-op.',
        tags: ['apis'],
        params: IdParams,
        headers: IfMatchHeader,
        body: Type.Optional(Type.Object({ notes: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false })),
        returns: { 200: Type.Object({ api: ApiSchema, release: ReleaseSchema, created: Type.Boolean() }) },
      },
    }, async (req, reply) => {
      const r = await publishApi(m, actorOf(req), idOf(req), (req.body ?? {}), ifMatch(req));
      void reply.header('etag', `"${r.api.version}"`);
      return { api: presentApi(r.api), release: presentRelease(r.release, false), created: r.created };
    });

    app.get('/apis/:id/releases', {
      config: ANY,
      schema: {
        summary: 'Releases of an API, newest first (with their diffs).',
        tags: ['apis'],
        params: IdParams,
        querystring: Type.Object({ limit: PageQuery.limit, before: Type.Optional(Type.Integer({ minimum: 1, description: 'Cursor: releases older than this number.' })) }),
        returns: { 200: Type.Object({ items: Type.Array(ReleaseSchema), next_before: Type.Optional(Type.Integer()) }) },
      },
    }, (req) => listReleases(m, principalOf(req), idOf(req), req.query as { limit?: number; before?: number }));

    app.get('/apis/:id/releases/:number', {
      config: ANY,
      schema: { summary: 'One release, with its snapshot.', tags: ['apis'], params: Type.Object({ id: Type.String(), number: Type.Integer({ minimum: 1 }) }), returns: { 200: ReleaseSchema } },
    }, async (req) => presentRelease(await getRelease(m, principalOf(req), idOf(req), (req.params as { number: number }).number)));

    app.get('/apis/:id/diff', {
      config: ANY,
      schema: {
        summary: 'What changes between two versions of an API: releases by number, or the working draft (default: live release → draft, i.e. what publishing would change).',
        tags: ['apis'],
        params: IdParams,
        querystring: Type.Object({ from: Type.Optional(Type.Integer({ minimum: 1, description: 'Release number (default: the live release).' })), to: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Literal('draft')], { description: 'Release number, or `draft` (default).' })) }),
        returns: { 200: Type.Object({ from: Nullable(Type.Integer()), to: Type.Union([Type.Integer(), Type.Literal('draft')]), changes: Changes, lines: Type.Array(Type.String()) }) },
      },
    }, async (req) => {
      const p = principalOf(req);
      const api = await readApi(m.tables, p, idOf(req));
      const q = req.query as { from?: number; to?: number | 'draft' };
      const fromN = q.from ?? api.liveRelease;
      const to = q.to ?? 'draft';
      const a = fromN !== undefined ? (await getRelease(m, p, api.id, fromN)).snapshot : {};
      const b = to === 'draft' ? api.definition : (await getRelease(m, p, api.id, to)).snapshot;
      const changes = diffJson(a, b);
      return { from: fromN ?? null, to, changes, lines: formatChanges(changes) };
    });

    app.post('/apis/:id/rollback', {
      config: ANY,
      schema: {
        summary: 'Serve an earlier release again, as a new release (history stays append-only; the draft is not touched). Team admin.',
        tags: ['apis'],
        params: IdParams,
        headers: IfMatchHeader,
        body: Type.Object({ release: Type.Integer({ minimum: 1 }), notes: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }),
        returns: { 200: Type.Object({ api: ApiSchema, release: ReleaseSchema }) },
      },
    }, async (req, reply) => {
      const b = req.body as { release: number; notes?: string };
      const r = await rollbackApi(m, actorOf(req), idOf(req), b.release, b.notes ? { notes: b.notes } : {}, ifMatch(req));
      void reply.header('etag', `"${r.api.version}"`);
      return { api: presentApi(r.api), release: presentRelease(r.release, false) };
    });

    app.post('/apis/:id/deprecate', {
      config: ANY,
      schema: {
        summary: 'Deprecate a published API (team admin): it keeps answering, with Deprecation, Sunset and Link headers; it takes no new subscriptions.',
        tags: ['apis'],
        params: IdParams,
        headers: IfMatchHeader,
        body: Type.Optional(
          Type.Object(
            {
              deprecated_at: Type.Optional(Type.String({ description: 'RFC 3339; default now.' })),
              sunset_at: Type.Optional(Type.String({ description: 'RFC 3339: when it will stop answering (the Sunset header).' })),
              link: Type.Optional(Type.String({ pattern: '^https?://', description: 'A page about the deprecation.' })),
              successor: Type.Optional(Type.String({ minLength: 1, description: 'Where to go instead, e.g. `/v2/orders`.' })),
            },
            { additionalProperties: false },
          ),
        ),
        returns: Lifecycle,
      },
    }, async (req, reply) => withEtag(reply, presentApi(await deprecateApi(m, actorOf(req), idOf(req), (req.body ?? {}) as { deprecated_at?: string; sunset_at?: string; link?: string; successor?: string }, ifMatch(req)))));

    app.post('/apis/:id/undeprecate', {
      config: ANY,
      schema: { summary: 'Take back a deprecation: the API is published again (team admin).', tags: ['apis'], params: IdParams, headers: IfMatchHeader, returns: Lifecycle },
    }, async (req, reply) => withEtag(reply, presentApi(await undeprecateApi(m, actorOf(req), idOf(req), ifMatch(req)))));

    app.post('/apis/:id/retire', {
      config: ANY,
      schema: {
        summary: 'Retire a published or deprecated API (team admin): its routes answer 410 `api.retired` until it is deleted.',
        tags: ['apis'],
        params: IdParams,
        headers: IfMatchHeader,
        body: Type.Optional(Type.Object({ successor: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false })),
        returns: Lifecycle,
      },
    }, async (req, reply) => withEtag(reply, presentApi(await retireApi(m, actorOf(req), idOf(req), (req.body ?? {}) as { successor?: string }, ifMatch(req)))));

    app.get('/apis/:id/openapi', {
      config: ANY,
      schema: {
        summary: 'The OpenAPI 3.1 document of an API: of its live release (default), of one release, or of the draft.',
        tags: ['apis'],
        params: IdParams,
        querystring: Type.Object({ release: Type.Optional(Type.Integer({ minimum: 1 })), draft: Type.Optional(Type.Boolean()), format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('yaml')])) }),
        returns: { 200: Type.Object({ openapi: Type.Literal('3.1.0') }, { additionalProperties: true }) },
      },
    }, async (req, reply) => {
      const q = req.query as { release?: number; draft?: boolean; format?: string };
      const doc = await apiOpenApi(m, principalOf(req), idOf(req), { ...(q.release ? { release: q.release } : {}), ...(q.draft ? { draft: true } : {}) });
      if (q.format === 'yaml') return reply.type('application/yaml').send(toYaml(doc));
      return doc;
    });
  };
