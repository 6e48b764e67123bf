import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { managementFor } from '../../management/plane.js';
import { createWebhook, deleteWebhook, getWebhook, listWebhooks, pingWebhook, updateWebhook, WEBHOOK_EVENTS } from '../../management/team-webhooks.js';
import { actorOf, ANY, principalOf } from '../auth.js';
import type { AdminHost } from '../context.js';
import { Entity, IdParams, ifMatch, IfMatchHeader, withEtag } from '../http.js';

const WebhookSchema = Entity('A team\'s webhook: subscription and API lifecycle events are POSTed to it, signed.', {
  id: Type.String(),
  team: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  active: Type.Boolean(),
  revision: Type.Integer(),
});

const Events = Type.Array(Type.String({ minLength: 1 }), { description: `Event names or patterns: ${WEBHOOK_EVENTS.join(', ')}; \`subscription.*\`; \`*\` (default).` });
const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;

/**
 * Webhooks of a team (team admin). Deliveries: POST JSON `{ id, type, created_at, team, data }`,
 * headers `X-Sluice-Event`, `X-Sluice-Delivery`, `X-Sluice-Signature: t=<unix>,v1=<HMAC-SHA256 hex of "<t>.<body>">`.
 */
export const webhookRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function webhooks(app) {
    const m = managementFor(host);

    app.get('/webhooks', {
      config: ANY,
      schema: { summary: 'Webhooks of the teams you can see.', tags: ['webhooks'], querystring: Type.Object({ team: Type.Optional(Type.String()) }), returns: { 200: Type.Object({ items: Type.Array(WebhookSchema) }) } },
    }, async (req) => ({ items: await listWebhooks(m, principalOf(req), (req.query as { team?: string }).team) }));

    app.post('/webhooks', {
      config: ANY,
      schema: {
        summary: 'Add a webhook to a team (team admin). The signing secret is in this answer only.',
        tags: ['webhooks'],
        body: Type.Object({ team: Type.String({ minLength: 1 }), url: Type.String({ minLength: 1, maxLength: 2000 }), events: Type.Optional(Events), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        returns: { 201: Type.Intersect([WebhookSchema, Type.Object({ secret: Type.String({ description: '`whsec_…`: verify X-Sluice-Signature with it.' }) })]) },
      },
    }, async (req, reply) => {
      const w = await createWebhook(m, actorOf(req), req.body as { team: string; url: string; events?: string[]; active?: boolean });
      return reply.code(201).header('etag', `"${w.revision}"`).header('cache-control', 'no-store').send(w);
    });

    app.get('/webhooks/:id', {
      config: ANY,
      schema: { summary: 'One webhook, with its last delivery.', tags: ['webhooks'], params: IdParams, returns: { 200: WebhookSchema } },
    }, async (req, reply) => withEtag(reply, await getWebhook(m, principalOf(req), idOf(req))));

    app.patch('/webhooks/:id', {
      config: ANY,
      schema: {
        summary: 'Change a webhook (team admin).',
        tags: ['webhooks'],
        params: IdParams,
        headers: IfMatchHeader,
        body: Type.Object({ url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })), events: Type.Optional(Events), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        returns: { 200: WebhookSchema },
      },
    }, async (req, reply) => withEtag(reply, await updateWebhook(m, actorOf(req), idOf(req), req.body as { url?: string; events?: string[]; active?: boolean }, ifMatch(req))));

    app.delete('/webhooks/:id', {
      config: ANY,
      schema: { summary: 'Delete a webhook (team admin).', tags: ['webhooks'], params: IdParams, returns: { 204: Type.Null() } },
    }, async (req, reply) => {
      await deleteWebhook(m, actorOf(req), idOf(req));
      return reply.code(204).send();
    });

    app.post('/webhooks/:id/ping', {
      config: ANY,
      schema: { summary: 'Send a `ping` event now (one attempt) and say what the receiver answered.', tags: ['webhooks'], params: IdParams, returns: { 200: Type.Object({ status: Type.Union([Type.Integer(), Type.Null()]), error: Type.Optional(Type.String()) }) } },
    }, (req) => pingWebhook(m, actorOf(req), idOf(req)));
  };
