import type { FastifyPluginAsync } from 'fastify';
import { AiServiceHandler } from '../../ai/service/handler.js';
import type { AdminHost } from '../context.js';

/** GET /ai/status: provider keys (disabled after 401, cooling after 429), circuits, recent events. */
export const aiRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function ai(app) {
    app.get('/ai/status', {
      schema: { summary: 'AI gateway: provider keys (never secrets) and their state, target circuits, recent key and circuit events, catalog source.', tags: ['ai'] },
    }, () => {
      const snap = host.gateway.current();
      const services: Record<string, unknown> = {};
      for (const svc of snap.services.values()) {
        if ('handler' in svc && svc.handler instanceof AiServiceHandler) services[svc.id] = svc.handler.status();
      }
      return { services };
    });
  };
