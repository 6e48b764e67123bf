import type { WebhookRecord } from '../store/management/index.js';
import { newId } from '../store/management/index.js';
import { requireTeamRole, visibleTeam } from './access.js';
import type { Actor } from './audit.js';
import { invalid, notFound } from './errors.js';
import type { ManagementPlane } from './plane.js';
import { presentWebhook } from './present.js';
import { readableTeams, teamRole, type Principal } from './roles.js';
import { randomToken } from './secrets.js';

/** Events a webhook can ask for (patterns: exact names, `subscription.*`, `*`). */
export const WEBHOOK_EVENTS = ['subscription.requested', 'subscription.approved', 'subscription.rejected', 'subscription.revoked', 'subscription.cancelled', 'api.published', 'api.rolled_back', 'api.deprecated', 'api.undeprecated', 'api.retired', 'ping'] as const;

export function checkUrl(url: string): void {
  let u: URL | undefined;
  try {
    u = new URL(url);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) throw invalid('url', `${JSON.stringify(url)} is not an http(s) URL`);
}

export function checkEvents(events: readonly string[]): void {
  events.forEach((e, i) => {
    const ok = e === '*' || (e.endsWith('.*') && WEBHOOK_EVENTS.some((k) => k.startsWith(e.slice(0, -1)))) || (WEBHOOK_EVENTS as readonly string[]).includes(e);
    if (!ok) throw invalid(`events[${i}]`, `unknown event ${JSON.stringify(e)}; one of ${WEBHOOK_EVENTS.join(', ')}, a prefix such as "subscription.*", or "*"`);
  });
}

async function readHook(m: ManagementPlane, p: Principal, id: string): Promise<WebhookRecord> {
  const h = await m.tables.webhooks.get(id);
  if (!h || !teamRole(p, h.teamId)) throw notFound('webhook', id);
  return h;
}

export async function listWebhooks(m: ManagementPlane, p: Principal, team?: string) {
  if (team) await visibleTeam(m.tables, p, team);
  const teams = team ? [team] : readableTeams(p);
  return (await m.tables.webhooks.list(teams)).map(presentWebhook);
}

export async function getWebhook(m: ManagementPlane, p: Principal, id: string) {
  return presentWebhook(await readHook(m, p, id));
}

/** A team's webhook (team admin); its signing secret is returned once. */
export function createWebhook(m: ManagementPlane, actor: Actor, input: { team: string; url: string; events?: readonly string[]; active?: boolean }) {
  checkUrl(input.url);
  const events = input.events ?? ['*'];
  checkEvents(events);
  return m.write(actor, { dataPlane: false, message: `webhook.create ${input.team}` }, async ({ tx, audit }) => {
    await visibleTeam(tx, actor.principal, input.team);
    requireTeamRole(actor.principal, input.team, 'admin', { kind: 'team', id: input.team });
    const secret = randomToken('whsec_', 24);
    const h = await tx.webhooks.insert({ id: newId('whk'), teamId: input.team, url: input.url, secret, events, ...(input.active === false ? { active: false } : {}) });
    audit({ action: 'webhook.create', resource: { type: 'webhook', id: h.id }, teamId: h.teamId, after: presentWebhook(h) });
    return { ...presentWebhook(h), secret };
  });
}

export function updateWebhook(m: ManagementPlane, actor: Actor, id: string, patch: { url?: string; events?: readonly string[]; active?: boolean }, ifMatch?: number) {
  if (patch.url !== undefined) checkUrl(patch.url);
  if (patch.events !== undefined) checkEvents(patch.events);
  return m.write(actor, { dataPlane: false, message: `webhook.update ${id}` }, async ({ tx, audit }) => {
    const before = await tx.webhooks.get(id);
    if (!before || !teamRole(actor.principal, before.teamId)) throw notFound('webhook', id);
    requireTeamRole(actor.principal, before.teamId, 'admin', { kind: 'webhook', id });
    const after = (await tx.webhooks.update(id, patch, ifMatch))!;
    audit({ action: 'webhook.update', resource: { type: 'webhook', id }, teamId: after.teamId, before: presentWebhook(before), after: presentWebhook(after) });
    return presentWebhook(after);
  });
}

export function deleteWebhook(m: ManagementPlane, actor: Actor, id: string): Promise<void> {
  return m.write(actor, { dataPlane: false, message: `webhook.delete ${id}` }, async ({ tx, audit }) => {
    const before = await tx.webhooks.get(id);
    if (!before || !teamRole(actor.principal, before.teamId)) throw notFound('webhook', id);
    requireTeamRole(actor.principal, before.teamId, 'admin', { kind: 'webhook', id });
    await tx.webhooks.delete(id);
    audit({ action: 'webhook.delete', resource: { type: 'webhook', id }, teamId: before.teamId, before: presentWebhook(before) });
  });
}

/** Sends a `ping` event to one webhook (team admin); the outcome lands in its `last_delivery`. */
export async function pingWebhook(m: ManagementPlane, actor: Actor, id: string): Promise<{ status: number | null; error?: string }> {
  const h = await readHook(m, actor.principal, id);
  requireTeamRole(actor.principal, h.teamId, 'admin', { kind: 'webhook', id });
  return m.webhooks.deliverNow(h, { type: 'ping', teams: [h.teamId], data: { webhook: h.id } }, 0);
}
