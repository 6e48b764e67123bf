import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { READ } from '../auth.js';
import type { AdminHost } from '../context.js';

export const SimulationInputSchema = Type.Object(
  {
    method: Type.String({ minLength: 1, maxLength: 20, description: 'HTTP method.' }),
    path: Type.String({ minLength: 1, description: 'Path with optional query string.' }),
    headers: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]))),
    ip: Type.Optional(Type.String({ description: 'Source (TCP peer) address; default 127.0.0.1.' })),
    body: Type.Optional(Type.String({ description: 'Request body as text.' })),
  },
  { additionalProperties: false },
);

export const simulateRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function simulate(app) {
    app.post('/simulate', {
      config: READ,
      schema: {
        summary: 'Why would this request be denied? Evaluates a hypothetical request against the active config.',
        description: 'Runs routing and every policy in dry-run mode (no quota consumed, no upstream contacted) and returns the response the client would get plus the full decision trace.',
        tags: ['traces'],
        body: SimulationInputSchema,
      },
    }, async (req) => {
      const r = await host.gateway.simulate(req.body as Parameters<AdminHost['gateway']['simulate']>[0]);
      return { ...r, trace: { ...r.trace, time: new Date(r.trace.timestamp).toISOString() } };
    });
  };
