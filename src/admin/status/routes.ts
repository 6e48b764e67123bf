import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ANY } from '../auth.js';
import type { AdminHost } from '../context.js';

const started = Date.now();

export const statusRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function status(app) {
    app.get('/status', {
      config: ANY,
      schema: {
        summary: 'Gateway status: active config version, uptime, store.',
        tags: ['status'],
        response: {
          200: Type.Object({
            status: Type.Literal('ok'),
            config_version: Type.Integer(),
            config_hash: Type.String(),
            config_source: Type.String(),
            store: Type.String(),
            uptime_s: Type.Number(),
            inflight: Type.Integer(),
          }),
        },
      },
    }, () => {
      const s = host.gateway.current();
      return {
        status: 'ok' as const,
        config_version: s.version,
        config_hash: s.hash,
        config_source: host.source.kind === 'file' ? `file:${host.source.path}` : 'store',
        store: host.store.connection.describe,
        uptime_s: Math.round((Date.now() - started) / 1000),
        inflight: host.gateway.inflight(),
      };
    });

    app.get('/upstreams/health', {
      schema: { summary: 'Health of every upstream target (active and passive checks).', tags: ['status'] },
    }, () => ({ services: host.gateway.targetHealth() }));

    app.get('/reasons', {
      config: ANY,
      schema: { summary: 'Every reason code Sluice can answer or record, with status and meaning.', tags: ['status'] },
    }, () => ({ reasons: host.assembly.reasons.all() }));
  };
