import type { ApiRecord, ConsumerRecord, ManagementTables, SubscriptionRecord } from '../store/management/index.js';
import { newId } from '../store/management/index.js';
import { requireTeamRole } from './access.js';
import type { Actor } from './audit.js';
import { readConsumer } from './consumers.js';
import { forbidden, invalidState, ManagementError, notFound } from './errors.js';
import type { ManagementPlane } from './plane.js';
import { presentSubscription } from './present.js';
import { can, readableTeams, teamRole, type Principal } from './roles.js';

export type Decision = 'approve' | 'reject' | 'revoke';

const TRANSITIONS: Record<Decision, { from: readonly string[]; to: string; event: string }> = {
  approve: { from: ['pending', 'rejected', 'revoked'], to: 'approved', event: 'subscription.approved' },
  reject: { from: ['pending'], to: 'rejected', event: 'subscription.rejected' },
  revoke: { from: ['approved'], to: 'revoked', event: 'subscription.revoked' },
};

/** An API a principal may discover: its own team's, or any public live one (the portal catalog). */
export function discoverable(p: Principal, api: ApiRecord): boolean {
  if (teamRole(p, api.teamId)) return true;
  return api.visibility === 'public' && api.state !== 'draft';
}

interface Ctx {
  readonly sub: SubscriptionRecord;
  readonly api: ApiRecord;
  readonly consumer: ConsumerRecord;
}

/** A subscription is visible to the API's team and to the consumer's team; 404 to everyone else. */
async function readSubscription(tables: ManagementTables, p: Principal, id: string): Promise<Ctx> {
  const sub = await tables.subscriptions.get(id);
  const api = sub ? await tables.apis.get(sub.apiId) : undefined;
  const consumer = sub ? await tables.consumers.get(sub.consumerId) : undefined;
  if (!sub || !api || !consumer || (!teamRole(p, api.teamId) && !teamRole(p, consumer.teamId))) throw notFound('subscription', id);
  return { sub, api, consumer };
}

export function present(c: Ctx) {
  return presentSubscription(c.sub, { apiTeam: c.api.teamId, consumerTeam: c.consumer.teamId });
}

export async function getSubscription(m: ManagementPlane, p: Principal, id: string) {
  return present(await readSubscription(m.tables, p, id));
}

export async function listSubscriptions(m: ManagementPlane, p: Principal, q: { api?: string; consumer?: string; state?: string; api_team?: string; consumer_team?: string; limit?: number; after?: string }) {
  const teams = readableTeams(p);
  const page = await m.tables.subscriptions.list({
    ...(q.api ? { api: q.api } : {}),
    ...(q.consumer ? { consumer: q.consumer } : {}),
    ...(q.state ? { state: q.state } : {}),
    ...(q.api_team ? { apiTeam: q.api_team } : {}),
    ...(q.consumer_team ? { consumerTeam: q.consumer_team } : {}),
    ...(teams ? { teams } : {}),
    ...(q.limit ? { limit: q.limit } : {}),
    ...(q.after ? { after: q.after } : {}),
  });
  const apis = new Map<string, ApiRecord | undefined>();
  const consumers = new Map<string, ConsumerRecord | undefined>();
  const items = [];
  for (const sub of page.items) {
    if (!apis.has(sub.apiId)) apis.set(sub.apiId, await m.tables.apis.get(sub.apiId));
    if (!consumers.has(sub.consumerId)) consumers.set(sub.consumerId, await m.tables.consumers.get(sub.consumerId));
    const api = apis.get(sub.apiId);
    const consumer = consumers.get(sub.consumerId);
    if (api && consumer) items.push(present({ sub, api, consumer }));
  }
  return { items, next: page.next };
}

/**
 * A consumer asks for access to an API with a reason. Approval `auto`: approved at once;
 * `manual`: pending until an admin of the API's team decides. Asking again after a rejection or a
 * revocation reopens the same subscription.
 */
export function requestSubscription(m: ManagementPlane, actor: Actor, input: { api: string; consumer: string; reason?: string }) {
  const p = actor.principal;
  return m.write(actor, { dataPlane: true, message: `subscription.request ${input.consumer} → ${input.api}` }, async ({ tx, audit, emit }) => {
    const consumer = await readConsumer(tx, p, input.consumer);
    requireTeamRole(p, consumer.teamId, 'editor', { kind: 'consumer', id: consumer.id });
    const api = await tx.apis.get(input.api);
    const ownTeam = api !== undefined && api.teamId === consumer.teamId;
    if (!api || !discoverable(p, api) || (api.visibility !== 'public' && !ownTeam)) throw notFound('API', input.api);
    if (api.state !== 'published') throw invalidState(`API ${api.id} is ${api.state}; only a published API takes new subscriptions${api.state === 'deprecated' ? ' (it is being phased out)' : ''}.`);
    if (!api.subscriptionRequired) throw invalidState(`API ${api.id} does not require subscriptions; its authentication is enough.`);
    const auto = api.approval === 'auto';
    const now = Date.now();
    const state = auto ? 'approved' : 'pending';
    const existing = await tx.subscriptions.byPair(api.id, consumer.id);
    let sub: SubscriptionRecord;
    if (existing) {
      if (existing.state === 'pending' || existing.state === 'approved') throw new ManagementError('admin.conflict', `Consumer ${consumer.id} already has ${existing.state === 'approved' ? 'an' : 'a'} ${existing.state} subscription to ${api.id} (${existing.id}).`);
      sub = (await tx.subscriptions.update(existing.id, { state, reason: input.reason ?? null, comment: null, requestedBy: p.name, decidedBy: auto ? 'auto' : null, decidedAt: auto ? now : null }))!;
    } else {
      sub = await tx.subscriptions.insert({ id: newId('sub'), apiId: api.id, consumerId: consumer.id, state, ...(input.reason ? { reason: input.reason } : {}), requestedBy: p.name, ...(auto ? { decidedBy: 'auto', decidedAt: now } : {}) });
    }
    const view = present({ sub, api, consumer });
    audit({ action: 'subscription.request', resource: { type: 'subscription', id: sub.id }, teamId: consumer.teamId, ...(existing ? { before: present({ sub: existing, api, consumer }) } : {}), after: view });
    const teams = [...new Set([api.teamId, consumer.teamId])];
    emit({ type: 'subscription.requested', teams, data: view });
    if (auto) emit({ type: 'subscription.approved', teams, data: view });
    return view;
  });
}

/** approve / reject / revoke, by an admin of the API's team, with a comment (required to reject or revoke). */
export function decideSubscription(m: ManagementPlane, actor: Actor, id: string, decision: Decision, comment: string | undefined, ifMatch?: number) {
  const t = TRANSITIONS[decision];
  if ((decision === 'reject' || decision === 'revoke') && !comment?.trim()) {
    throw new ManagementError('admin.invalid_request', `A comment is required to ${decision} (the developer sees it).`, [{ path: 'comment', message: `is required to ${decision}` }]);
  }
  return m.write(actor, { dataPlane: true, message: `subscription.${decision} ${id}` }, async ({ tx, audit, emit }) => {
    const c = await readSubscription(tx, actor.principal, id);
    if (!can(actor.principal, c.api.teamId, 'admin')) {
      if (!teamRole(actor.principal, c.api.teamId)) throw forbidden(`Only an admin of team ${c.api.teamId}, which owns API ${c.api.id}, can ${decision} this subscription.`);
      requireTeamRole(actor.principal, c.api.teamId, 'admin', { kind: 'subscription', id });
    }
    if (ifMatch !== undefined && ifMatch !== c.sub.version) throw new ManagementError('admin.precondition_failed', `Subscription ${id} changed since revision ${ifMatch}; it is now ${c.sub.version}.`, undefined, { etag: `"${c.sub.version}"` });
    if (!t.from.includes(c.sub.state)) throw invalidState(`Subscription ${id} is ${c.sub.state}; ${decision} applies to ${t.from.join(' or ')} subscriptions.`);
    const sub = (await tx.subscriptions.update(id, { state: t.to, comment: comment?.trim() || null, decidedBy: actor.principal.name, decidedAt: Date.now() }))!;
    const view = present({ ...c, sub });
    audit({ action: `subscription.${decision}`, resource: { type: 'subscription', id }, teamId: c.api.teamId, before: present(c), after: view });
    emit({ type: t.event, teams: [...new Set([c.api.teamId, c.consumer.teamId])], data: view });
    return view;
  });
}

/** Removes a subscription (the consumer's team cancels, or the API's admins clean up): calls then get subscription.missing. */
export function cancelSubscription(m: ManagementPlane, actor: Actor, id: string): Promise<void> {
  return m.write(actor, { dataPlane: true, message: `subscription.cancel ${id}` }, async ({ tx, audit, emit }) => {
    const c = await readSubscription(tx, actor.principal, id);
    if (!can(actor.principal, c.consumer.teamId, 'editor') && !can(actor.principal, c.api.teamId, 'admin')) {
      throw forbidden(`Cancelling needs the editor role on team ${c.consumer.teamId} or the admin role on team ${c.api.teamId}.`);
    }
    await tx.subscriptions.delete(id);
    const view = present(c);
    audit({ action: 'subscription.cancel', resource: { type: 'subscription', id }, teamId: c.consumer.teamId, before: view });
    emit({ type: 'subscription.cancelled', teams: [...new Set([c.api.teamId, c.consumer.teamId])], data: view });
  });
}
