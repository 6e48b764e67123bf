import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { CallLogFilter } from '../../store/telemetry/call-logs.js';
import { ANY } from '../auth.js';
import type { AdminHost } from '../context.js';
import { AdminError } from '../problem.js';
import { ask, parseStatus, parseTime, teamScope, telemetryOf, visibleTeams } from './access.js';
import { CallLogDetail, LogPage, LogQuery } from './schema.js';

type Query = Static<typeof LogQuery>;

/** Query parameters → store filter (same names as `sluice logs` flags). */
export function logFilter(q: Query, now = Date.now()): CallLogFilter {
  return {
    from: parseTime('from', q.from, now),
    to: parseTime('to', q.to, now),
    ...parseStatus(q.status),
    code: q.code,
    denied: q.denied,
    team: q.team,
    api: q.api,
    service: q.service,
    route: q.route,
    consumer: q.consumer,
    provider: q.provider,
    model: q.model,
    requestId: q.request_id,
    q: q.q,
    limit: q.limit,
    cursor: q.cursor,
    order: q.order,
  };
}

/** GET /logs (query, cursor pagination, follow) and GET /logs/:requestId (one record with its trace). */
export const logRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function logs(app) {
    app.get('/logs', {
      config: ANY,
      schema: {
        summary: 'Call logs: every request (allowed, denied, failed), newest first, filtered; cursor pagination.',
        description: 'Filters combine with AND. A team-scoped admin user sees only their teams\' records. To follow new records: read a `desc` page, then poll `order=asc&cursor=<tail>` and keep passing `next`.',
        tags: ['observability'],
        querystring: LogQuery,
        response: { 200: LogPage },
      },
    }, async (req) => {
      const q = req.query as Query;
      const t = telemetryOf(host);
      const filter = { ...logFilter(q), ...teamScope(req, q.team) };
      // The tail is read first: a record written meanwhile shows in the page and again when following, never in neither.
      const tail = (q.order ?? 'desc') === 'desc' && !q.cursor ? await ask(t.tail()) : undefined;
      const page = await ask(t.logs(filter));
      return { ...page, ...(tail !== undefined ? { tail } : {}) };
    });

    app.get('/logs/:requestId', {
      config: ANY,
      schema: {
        summary: 'One call-log record in full: timings, bytes, AI usage, masked bodies, and its decision trace.',
        tags: ['observability'],
        params: Type.Object({ requestId: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: CallLogDetail },
      },
    }, async (req) => {
      const id = (req.params as { requestId: string }).requestId;
      const r = await ask(telemetryOf(host).log(id));
      const teams = visibleTeams(req);
      if (!r || (teams && (r.team === null || !teams.includes(r.team)))) {
        throw new AdminError('admin.not_found', `No call log for request ${id} (records older than the retention are deleted; logs may be off: observability.logs.enabled).`);
      }
      return r;
    });
  };
