import type { Static } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { parseDuration } from '../../core/duration.js';
import { pickGrain, type RollupFilter } from '../../store/telemetry/rollups.js';
import { GRAIN_MS } from '../../store/telemetry/tables.js';
import { ANY } from '../auth.js';
import type { AdminHost } from '../context.js';
import { ask, teamScope, telemetryOf, timeRange } from '../logs/access.js';
import { AdminError } from '../problem.js';
import { SeriesQuery, SeriesResponse, SummaryQuery, SummaryResponse, TopQuery, TopResponse } from './schema.js';

const DAY = 86_400_000;
const MAX_SPAN = 400 * DAY;
const MAX_POINTS = 5000;

type Common = Static<typeof SummaryQuery>;

/** The rollup filter of a query: range, grain, dimensions and what the caller may see. */
function rollupFilter(req: FastifyRequest, q: Common): RollupFilter {
  const { from, to } = timeRange(q, Date.now(), DAY);
  if (to - from > MAX_SPAN) throw new AdminError('admin.invalid_request', 'The range is longer than 400 days.', [{ path: 'querystring.from', message: 'at most 400 days before to' }]);
  return { from, to, ...(q.grain ? { grain: q.grain } : {}), team: q.team, api: q.api, route: q.route, consumer: q.consumer, provider: q.provider, model: q.model, ...teamScope(req, q.team) };
}

/**
 * Dashboard queries over the rollups (per minute, hour, day): totals, time series and top-N, by team,
 * API, route, consumer, provider and model. Percentiles come from merged DDSketches (≤0.5% relative
 * error), never from averages. Requests count in the bucket in which they finished.
 */
export const analyticsRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function analytics(app) {
    app.get('/analytics/summary', {
      config: ANY,
      schema: {
        summary: 'Totals over a range: requests, denials, errors by status and reason code, bytes, tokens, cost, latency p50/p95/p99.',
        tags: ['observability'],
        querystring: SummaryQuery,
        response: { 200: SummaryResponse },
      },
    }, async (req) => {
      const filter = rollupFilter(req, req.query as Common);
      const r = await ask(telemetryOf(host).analytics({ kind: 'summary', filter }));
      return { ...r, from: new Date(filter.from).toISOString(), to: new Date(filter.to).toISOString() };
    });

    app.get('/analytics/series', {
      config: ANY,
      schema: {
        summary: 'A time series over a range: per step, the same totals and percentiles as the summary.',
        tags: ['observability'],
        querystring: SeriesQuery,
        response: { 200: SeriesResponse },
      },
    }, async (req) => {
      const q = req.query as Static<typeof SeriesQuery>;
      const filter = rollupFilter(req, q);
      const grain = filter.grain ?? pickGrain(filter.from, filter.to);
      const grainMs = GRAIN_MS[grain];
      const step = q.step !== undefined ? parseDuration(q.step) ?? 0 : grainMs;
      if (step < grainMs || step % grainMs !== 0) {
        throw new AdminError('admin.invalid_request', `step must be a multiple of the ${grain} grain.`, [{ path: 'querystring.step', message: `${q.step ?? ''} is not a multiple of ${grainMs / 1000}s` }]);
      }
      if ((filter.to - filter.from) / step > MAX_POINTS) {
        throw new AdminError('admin.invalid_request', `At most ${MAX_POINTS} points: widen the step or narrow the range.`, [{ path: 'querystring.step', message: `${Math.ceil((filter.to - filter.from) / step)} points` }]);
      }
      return ask(telemetryOf(host).analytics({ kind: 'series', filter: { ...filter, grain }, step }));
    });

    app.get('/analytics/top', {
      config: ANY,
      schema: {
        summary: 'Top N values of a dimension over a range: top consumers, top denied routes, most expensive models, slowest APIs…',
        tags: ['observability'],
        querystring: TopQuery,
        response: { 200: TopResponse },
      },
    }, async (req) => {
      const q = req.query as Static<typeof TopQuery>;
      const filter = rollupFilter(req, q);
      return ask(telemetryOf(host).analytics({ kind: 'top', filter, by: q.by, metric: q.metric ?? 'requests', limit: q.limit ?? 10 }));
    });
  };
