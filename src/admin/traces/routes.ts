import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { RequestTrace } from '../../core/trace.js';
import type { AdminHost } from '../context.js';
import { AdminError } from '../problem.js';

/** Trace as served: the timestamp also as ISO time. */
function present(t: RequestTrace): RequestTrace & { time: string } {
  return { ...t, time: new Date(t.timestamp).toISOString() };
}

export const traceRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function traces(app) {
    app.get('/traces/:requestId', {
      schema: {
        summary: 'The decision trace of one request: every policy evaluated, its outcome, reason and time.',
        description: 'Looks in the in-memory ring of recent requests, then in the store (denied requests are persisted), then in the call logs (every request, when they are on).',
        tags: ['traces'],
        params: Type.Object({ requestId: Type.String({ minLength: 1, maxLength: 200 }) }),
      },
    }, async (req) => {
      const id = (req.params as { requestId: string }).requestId;
      const t = host.gateway.trace(id) ?? (await host.store.traces.get(id)) ?? (await host.telemetry?.log(id))?.trace;
      if (!t) throw new AdminError('admin.not_found', `No trace for request ${id} (recent requests are kept in memory, denied ones in the store, every request in the call logs when they are on).`);
      return present(t);
    });

    app.get('/traces', {
      schema: {
        summary: 'Recent traces, newest first (memory ring), or persisted denials with `source=store`.',
        tags: ['traces'],
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
          source: Type.Optional(Type.Union([Type.Literal('memory'), Type.Literal('store')], { default: 'memory' })),
          denied: Type.Optional(Type.Boolean()),
          code: Type.Optional(Type.String()),
          route: Type.Optional(Type.String()),
          consumer: Type.Optional(Type.String()),
          before: Type.Optional(Type.Integer({ description: 'Cursor: only traces older than this timestamp (ms).' })),
        }),
      },
    }, async (req) => {
      const q = req.query as { limit?: number; source?: string; denied?: boolean; code?: string; route?: string; consumer?: string; before?: number };
      const limit = q.limit ?? 50;
      const items =
        q.source === 'store'
          ? await host.store.traces.list({ limit, code: q.code, routeId: q.route, consumerId: q.consumer, before: q.before })
          : host.gateway.recentTraces(limit, (t) =>
              (q.denied === undefined || q.denied === (t.answeredBy === 'gateway' && t.status >= 400)) &&
              (!q.code || t.code === q.code) &&
              (!q.route || t.routeId === q.route) &&
              (!q.consumer || t.consumerId === q.consumer) &&
              (q.before === undefined || t.timestamp < q.before),
            );
      return { items: items.map(present), next_before: items.length === limit ? items.at(-1)?.timestamp : undefined };
    });
  };
