import type { FastifyPluginAsync } from 'fastify';
import type { AdminHost } from '../context.js';
import { ask, telemetryOf } from '../logs/access.js';

/**
 * GET /metrics: Prometheus text exposition on the admin listener (requests, latency histograms,
 * denials by policy and reason code, upstream health, tokens and cost by model, log-buffer drops,
 * config version). Metrics are not split by team: like every operator view, they need a global
 * role (the default access of an admin route). Scrape with an API token as a bearer token.
 */
export const metricsRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function metrics(app) {
    app.get('/metrics', {
      schema: {
        summary: 'Prometheus metrics (text exposition format 0.0.4).',
        description: 'Per-request metrics are computed by the telemetry worker from the call-log records; the buffer, config and upstream-health gauges are read from the gateway at scrape time.',
        tags: ['observability'],
      },
    }, async (_req, reply) => {
      const t = telemetryOf(host);
      const text = await ask(t.metrics());
      return reply.type(t.contentType).send(text);
    });
  };
