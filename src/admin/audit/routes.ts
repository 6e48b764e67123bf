import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { listAudit } from '../../management/audit.js';
import { invalid } from '../../management/errors.js';
import { managementFor } from '../../management/plane.js';
import { presentAudit } from '../../management/present.js';
import { ANY, principalOf } from '../auth.js';
import type { AdminHost } from '../context.js';
import { Entity, Nullable } from '../http.js';

const AuditSchema = Entity('One recorded write: who, what, before/after (secrets redacted), when.', {
  id: Type.String(),
  at: Type.String(),
  actor: Type.Object({ type: Type.String(), id: Type.Optional(Type.String()), name: Type.Optional(Type.String()) }),
  action: Type.String({ description: 'e.g. `api.publish`, `subscription.approve`, `user.create`.' }),
  resource: Type.Object({ type: Type.String(), id: Type.Optional(Type.String()) }),
  team: Type.Optional(Type.String()),
  before: Type.Optional(Type.Unknown()),
  after: Type.Optional(Type.Unknown()),
  request_id: Type.Optional(Type.String()),
  ip: Type.Optional(Type.String()),
});

/** The audit log of every write, newest first. */
export const auditRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function audit(app) {
    const m = managementFor(host);
    app.get('/audit', {
      config: ANY,
      schema: {
        summary: 'The audit log, newest first: every write with who, what, before and after. Team members see their teams\' entries; a global role sees all.',
        tags: ['audit'],
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
          before: Type.Optional(Type.String({ description: 'Cursor: the `next` of the previous page (entries older than this id).' })),
          team: Type.Optional(Type.String()),
          actor: Type.Optional(Type.String({ description: 'User id, token id or name (email).' })),
          action: Type.Optional(Type.String({ description: 'Exact action, or a prefix ending in `.` or `*` (`subscription.*`).' })),
          resource_type: Type.Optional(Type.String({ description: 'api, consumer, credential, subscription, team, user, token, webhook, config.' })),
          resource_id: Type.Optional(Type.String()),
          since: Type.Optional(Type.String({ description: 'RFC 3339: only entries at or after this time.' })),
        }),
        returns: { 200: Type.Object({ items: Type.Array(AuditSchema), next: Nullable(Type.String()) }) },
      },
    }, async (req) => {
      const { since: sinceText, ...rest } = req.query as Omit<Parameters<typeof listAudit>[2], 'since'> & { since?: string };
      const since = sinceText !== undefined ? Date.parse(sinceText) : undefined;
      if (since !== undefined && Number.isNaN(since)) throw invalid('since', 'must be an RFC 3339 time such as "2030-01-31T00:00:00Z"');
      const page = await listAudit(m.tables, principalOf(req), { ...rest, ...(since !== undefined ? { since } : {}) });
      return { items: page.items.map(presentAudit), next: page.next ?? null };
    });
  };
