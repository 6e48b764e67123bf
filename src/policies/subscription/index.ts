import { allow, definePolicy, deny, type Decision } from '../../core/policy.js';
import { defineReasons } from '../../core/reasons.js';
import { SubscriptionSchema, type SubscriptionConfig, type SubscriptionState } from './schema.js';

export const reasons = defineReasons([
  { code: 'subscription.missing', status: 403, title: 'No subscription to this API', description: 'The API requires a subscription and the calling consumer has none (or the request identified no consumer). Subscribe the application to the API in the developer portal (`POST /portal/apis/{id}/subscriptions`).' },
  { code: 'subscription.pending', status: 403, title: 'Subscription pending approval', description: 'The consumer asked to subscribe and the API\'s team has not decided yet. An admin of that team approves it (`sluice subscriptions approve <id>`).' },
  { code: 'subscription.rejected', status: 403, title: 'Subscription rejected', description: 'The API\'s team rejected the subscription request; the portal shows the approver\'s comment. Ask again with a new reason.' },
  { code: 'subscription.revoked', status: 403, title: 'Subscription revoked', description: 'The subscription was approved and later revoked by the API\'s team; calls are refused until it is approved again.' },
]);

interface Entry {
  readonly state: SubscriptionState;
  readonly id?: string;
  readonly since?: string;
}

const DENIALS: Record<Exclude<SubscriptionState, 'approved'>, { code: string; wording: string }> = {
  pending: { code: 'subscription.pending', wording: 'is pending approval' },
  rejected: { code: 'subscription.rejected', wording: 'was rejected' },
  revoked: { code: 'subscription.revoked', wording: 'was revoked' },
};

/**
 * Lets through consumers with an approved subscription to the API; everyone else gets 403 with a
 * code per state. The table is compiled from config (written by the management plane on every
 * subscription change): no store query per request.
 */
export const subscription = definePolicy<SubscriptionConfig>({
  name: 'subscription',
  phase: 'authorize',
  priority: 5,
  summary: 'Only consumers with an approved subscription to the API pass (403 subscription.missing/pending/rejected/revoked).',
  schema: SubscriptionSchema,
  reasons,
  compile(config) {
    const table = new Map<string, Entry>();
    for (const [id, e] of Object.entries(config.consumers ?? {})) table.set(id, typeof e === 'string' ? { state: e } : e);
    const api = config.api;
    const where = config.portal ? ` Subscribe at ${config.portal}.` : ' Subscribe the application to the API first.';
    return {
      evaluate(ctx): Decision {
        const consumer = ctx.consumer;
        if (!consumer || consumer.anonymous) {
          return deny('subscription.missing', `API ${api} requires a subscription; the request did not identify a subscribed consumer.${where}`, {
            data: { api, consumer: consumer?.id ?? null, anonymous: consumer?.anonymous ?? false },
          });
        }
        const e = table.get(consumer.id);
        const data = { api, consumer: consumer.id, state: e?.state ?? 'none', ...(e?.id ? { subscription: e.id } : {}), ...(e?.since ? { since: e.since } : {}) };
        if (!e) return deny('subscription.missing', `Consumer ${consumer.id} has no subscription to API ${api}.${where}`, { data });
        if (e.state === 'approved') return allow(`subscription to ${api} approved`, data);
        const since = e.since ? ` (since ${e.since})` : '';
        const d = DENIALS[e.state];
        return deny(d.code, `The subscription of consumer ${consumer.id} to API ${api} ${d.wording}${since}.`, { data });
      },
    };
  },
});

export default subscription;
