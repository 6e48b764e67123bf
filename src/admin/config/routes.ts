import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { parseConfigText, toYaml } from '../../config/yaml.js';
import { auditEntry } from '../../management/audit.js';
import { actorOf, READ } from '../auth.js';
import type { AdminHost } from '../context.js';
import { AdminError } from '../problem.js';

const ApplyResult = Type.Object({ version: Type.Integer(), hash: Type.String(), changed: Type.Boolean() });

/** `If-Match: "12"` → 12; absent → undefined; `*` → undefined (any version). */
function ifMatch(req: FastifyRequest): number | undefined {
  const h = req.headers['if-match'];
  if (h === undefined || h === '*') return undefined;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(h.trim());
  if (!m) throw new AdminError('admin.invalid_request', `If-Match must be the ETag you read, e.g. "12" (got ${h}).`);
  return Number(m[1]);
}

function author(req: FastifyRequest): string | undefined {
  const a = req.headers['x-sluice-author'];
  return typeof a === 'string' ? a.slice(0, 200) : undefined;
}

export const configRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function config(app) {
    /** Config writes land in the audit log too (who, which version, why). */
    const audit = async (req: FastifyRequest, action: string, before: number, r: { version: number; hash: string; changed: boolean }, extra: Record<string, unknown> = {}) => {
      if (!r.changed) return;
      await host.store.management.audit.insert(auditEntry(actorOf(req), { action, resource: { type: 'config', id: String(r.version) }, before: { version: before }, after: { version: r.version, hash: r.hash, ...extra } }));
    };
    // YAML bodies are accepted as well as JSON, so `curl --data-binary @sluice.yaml` works.
    app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_req, body, done) => {
      try {
        done(null, parseConfigText(body as string, 'body'));
      } catch (err) {
        done(err as Error, undefined);
      }
    });

    const requireStore = () => {
      if (host.source.kind === 'file') {
        throw new AdminError('admin.config_file_managed', `Sluice runs from ${host.source.path}: edit the file, then reload (SIGHUP or POST /config/reload).`);
      }
    };

    app.get('/config', {
      schema: {
        summary: 'The active config document. ETag is its version (send it back in If-Match when writing).',
        tags: ['config'],
        querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('yaml')])) }),
      },
    }, (req, reply) => {
      const cur = host.currentDocument();
      void reply.header('etag', `"${cur.version}"`).header('x-config-hash', cur.hash);
      if ((req.query as { format?: string }).format === 'yaml') return reply.type('application/yaml').send(toYaml(cur.document));
      return cur.document;
    });

    app.put('/config', {
      schema: {
        summary: 'Replace the whole config (validated whole, saved as a new version, swapped in atomically).',
        description: 'Send `If-Match` with the ETag you read: a concurrent change answers 412 instead of being overwritten.',
        tags: ['config'],
        body: Type.Object({}, { additionalProperties: true, description: 'A Sluice config document (JSON or YAML).' }),
        response: { 200: ApplyResult },
      },
    }, async (req, reply) => {
      requireStore();
      const before = host.currentDocument().version;
      const message = typeof req.headers['x-sluice-message'] === 'string' ? req.headers['x-sluice-message'] : undefined;
      const r = await host.applyDocument(req.body, { expectedVersion: ifMatch(req), author: author(req) ?? req.principal?.name, message });
      await audit(req, 'config.replace', before, r, message ? { message } : {});
      void reply.header('etag', `"${r.version}"`);
      return r;
    });

    app.post('/config/validate', {
      config: READ,
      schema: {
        summary: 'Validate a config document without saving or applying it.',
        tags: ['config'],
        body: Type.Object({}, { additionalProperties: true }),
        response: { 200: Type.Object({ valid: Type.Literal(true), hash: Type.String() }) },
      },
    }, (req) => ({ valid: true as const, hash: host.validateDocument(req.body).hash }));

    app.post('/config/reload', {
      schema: { summary: 'Re-read the config file (file mode) or the latest stored version.', tags: ['config'], response: { 200: ApplyResult } },
    }, () => host.reload());

    app.get('/config/versions', {
      schema: {
        summary: 'Stored config versions, newest first.',
        tags: ['config'],
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })), before: Type.Optional(Type.Integer()) }),
      },
    }, async (req) => {
      const q = req.query as { limit?: number; before?: number };
      const items = await host.store.configs.list(q.limit ?? 50, q.before);
      return { items, next_before: items.length === (q.limit ?? 50) ? items.at(-1)?.version : undefined };
    });

    app.get('/config/versions/:version', {
      schema: { summary: 'One stored config version.', tags: ['config'], params: Type.Object({ version: Type.Integer({ minimum: 1 }) }) },
    }, async (req) => {
      const v = (req.params as { version: number }).version;
      const found = await host.store.configs.get(v);
      if (!found) throw new AdminError('admin.not_found', `No config version ${v}.`);
      return found;
    });

    app.post('/config/rollback', {
      schema: {
        summary: 'Apply an earlier version again (as a new version).',
        tags: ['config'],
        body: Type.Object({ version: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
        response: { 200: ApplyResult },
      },
    }, async (req, reply) => {
      requireStore();
      const v = (req.body as { version: number }).version;
      const found = await host.store.configs.get(v);
      if (!found) throw new AdminError('admin.not_found', `No config version ${v}.`);
      const before = host.currentDocument().version;
      const r = await host.applyDocument(found.document, { expectedVersion: ifMatch(req), author: author(req) ?? req.principal?.name, message: `rollback to version ${v}` });
      await audit(req, 'config.rollback', before, r, { rolled_back_to: v });
      void reply.header('etag', `"${r.version}"`);
      return r;
    });
  };
