import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { managementFor } from '../../management/plane.js';
import { cancelSubscription, decideSubscription, getSubscription, listSubscriptions, requestSubscription, type Decision } from '../../management/subscriptions.js';
import { actorOf, ANY, principalOf } from '../auth.js';
import type { AdminHost } from '../context.js';
import { Entity, IdParams, ifMatch, IfMatchHeader, PageOf, PageQuery, withEtag } from '../http.js';

export const SubscriptionSchema = Entity('A consumer\'s subscription to an API: pending → approved / rejected → revoked.', {
  id: Type.String(),
  api: Type.String(),
  consumer: Type.String(),
  state: Type.Union(['pending', 'approved', 'rejected', 'revoked'].map((s) => Type.Literal(s))),
  reason: Type.Optional(Type.String({ description: 'Why the developer asked.' })),
  comment: Type.Optional(Type.String({ description: 'The approver\'s comment.' })),
  decided_by: Type.Optional(Type.String()),
  api_team: Type.Optional(Type.String()),
  consumer_team: Type.Optional(Type.String()),
  revision: Type.Integer(),
});

export const RequestBody = Type.Object(
  {
    api: Type.String({ minLength: 1 }),
    consumer: Type.String({ minLength: 1, description: 'One of your team\'s consumers.' }),
    reason: Type.Optional(Type.String({ maxLength: 2000, description: 'Why you need access (the approver sees it).' })),
  },
  { additionalProperties: false },
);

const DECISIONS: Record<Decision, string> = {
  approve: 'Approve a pending (or rejected or revoked) subscription (admin of the API\'s team); calls pass from now on.',
  reject: 'Reject a pending subscription with a comment the developer sees (admin of the API\'s team).',
  revoke: 'Revoke an approved subscription with a comment (admin of the API\'s team): calls get 403 subscription.revoked.',
};

const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;

/** Subscriptions and their approval; every change is audited and sent to the teams' webhooks. */
export const subscriptionRoutes = (host: AdminHost): FastifyPluginAsync =>
  async function subscriptions(app) {
    const m = managementFor(host);

    app.get('/subscriptions', {
      config: ANY,
      schema: {
        summary: 'Subscriptions to your teams\' APIs and of your teams\' consumers; `state=pending` is the approval queue.',
        tags: ['subscriptions'],
        querystring: Type.Object({
          ...PageQuery,
          api: Type.Optional(Type.String()),
          consumer: Type.Optional(Type.String()),
          state: Type.Optional(Type.Union(['pending', 'approved', 'rejected', 'revoked'].map((s) => Type.Literal(s)))),
          api_team: Type.Optional(Type.String({ description: 'Only subscriptions to this team\'s APIs.' })),
          consumer_team: Type.Optional(Type.String({ description: 'Only subscriptions of this team\'s consumers.' })),
        }),
        returns: { 200: PageOf(SubscriptionSchema) },
      },
    }, (req) => listSubscriptions(m, principalOf(req), req.query as Parameters<typeof listSubscriptions>[2]));

    app.post('/subscriptions', {
      config: ANY,
      schema: {
        summary: 'Ask for a subscription of a consumer to a published API, with a reason (editor of the consumer\'s team). Automatic approval: approved at once; manual: pending.',
        tags: ['subscriptions'],
        body: RequestBody,
        returns: { 201: SubscriptionSchema },
      },
    }, async (req, reply) => {
      const s = await requestSubscription(m, actorOf(req), req.body as { api: string; consumer: string; reason?: string });
      return reply.code(201).header('etag', `"${s.revision}"`).send(s);
    });

    app.get('/subscriptions/:id', {
      config: ANY,
      schema: { summary: 'One subscription.', tags: ['subscriptions'], params: IdParams, returns: { 200: SubscriptionSchema } },
    }, async (req, reply) => withEtag(reply, await getSubscription(m, principalOf(req), idOf(req))));

    for (const decision of ['approve', 'reject', 'revoke'] as const) {
      app.post(`/subscriptions/:id/${decision}`, {
        config: ANY,
        schema: {
          summary: DECISIONS[decision],
          tags: ['subscriptions'],
          params: IdParams,
          headers: IfMatchHeader,
          body: decision === 'approve'
            ? Type.Optional(Type.Object({ comment: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false }))
            : Type.Object({ comment: Type.String({ minLength: 1, maxLength: 2000 }) }, { additionalProperties: false }),
          returns: { 200: SubscriptionSchema },
        },
      }, async (req, reply) => withEtag(reply, await decideSubscription(m, actorOf(req), idOf(req), decision, (req.body as { comment?: string } | undefined)?.comment, ifMatch(req))));
    }

    app.delete('/subscriptions/:id', {
      config: ANY,
      schema: { summary: 'Cancel a subscription (editor of the consumer\'s team, or admin of the API\'s): calls then get 403 subscription.missing.', tags: ['subscriptions'], params: IdParams, returns: { 204: Type.Null() } },
    }, async (req, reply) => {
      await cancelSubscription(m, actorOf(req), idOf(req));
      return reply.code(204).send();
    });
  };
