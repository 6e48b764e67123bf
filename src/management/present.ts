import type { AdminToken, ApiRecord, ApiRelease, AuditEntry, ConsumerRecord, CredentialRecord, Membership, SubscriptionRecord, Team, User, WebhookRecord } from '../store/management/index.js';
import type { ApiDefinition } from './definition.js';

/** Entities as the admin API shows them: snake_case, ISO times, `revision` (the ETag), no secrets. */
export const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

export function presentTeam(t: Team) {
  return { id: t.id, name: t.name, description: t.description, created_at: iso(t.createdAt), updated_at: iso(t.updatedAt), revision: t.version };
}

export function presentUser(u: User) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role ?? null,
    disabled: u.disabled,
    has_password: u.passwordHash !== undefined,
    created_at: iso(u.createdAt),
    updated_at: iso(u.updatedAt),
    last_login_at: iso(u.lastLoginAt),
    revision: u.version,
  };
}

export function presentMember(m: Membership, u: User | undefined) {
  return { team: m.teamId, user: m.userId, email: u?.email, name: u?.name, role: m.role, since: iso(m.createdAt) };
}

export function presentToken(t: AdminToken) {
  return { id: t.id, name: t.name, role: t.role ?? null, created_at: iso(t.createdAt), expires_at: iso(t.expiresAt), last_used_at: iso(t.lastUsedAt) };
}

export function presentApi(a: ApiRecord) {
  const def = a.definition as ApiDefinition;
  return {
    id: a.id,
    team: a.teamId,
    name: a.name,
    version: a.versionLabel,
    description: a.description,
    state: a.state,
    visibility: a.visibility,
    approval: a.approval,
    subscription_required: a.subscriptionRequired,
    base_path: def.base_path,
    live_release: a.liveRelease ?? null,
    deprecation: a.deprecation ?? null,
    definition: def,
    created_at: iso(a.createdAt),
    updated_at: iso(a.updatedAt),
    revision: a.version,
  };
}

export function presentRelease(r: ApiRelease, withSnapshot = true) {
  return { api: r.apiId, number: r.number, notes: r.notes, author: r.author, created_at: iso(r.createdAt), diff: r.diff, ...(withSnapshot ? { snapshot: r.snapshot } : {}) };
}

export function presentCredential(c: CredentialRecord) {
  return { id: c.id, type: c.type, ...c.display, created_at: iso(c.createdAt), updated_at: iso(c.updatedAt), expires_at: iso(c.expiresAt) };
}

export function presentConsumer(c: ConsumerRecord, creds: readonly CredentialRecord[]) {
  return {
    id: c.id,
    team: c.teamId,
    name: c.name,
    description: c.description,
    groups: c.groups,
    policies: c.policies,
    credentials: creds.map(presentCredential),
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    revision: c.version,
  };
}

export function presentSubscription(s: SubscriptionRecord, ctx: { apiTeam?: string; consumerTeam?: string } = {}) {
  return {
    id: s.id,
    api: s.apiId,
    consumer: s.consumerId,
    state: s.state,
    reason: s.reason,
    comment: s.comment,
    requested_by: s.requestedBy,
    decided_by: s.decidedBy,
    decided_at: iso(s.decidedAt),
    api_team: ctx.apiTeam,
    consumer_team: ctx.consumerTeam,
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
    revision: s.version,
  };
}

export function presentAudit(e: AuditEntry) {
  return { id: e.id, at: iso(e.at), actor: e.actor, action: e.action, resource: e.resource, team: e.teamId, before: e.before, after: e.after, request_id: e.requestId, ip: e.ip };
}

export function presentWebhook(w: WebhookRecord) {
  return { id: w.id, team: w.teamId, url: w.url, events: w.events, active: w.active, last_delivery: w.lastDelivery ? { ...w.lastDelivery, at: iso(w.lastDelivery.at) } : null, created_at: iso(w.createdAt), updated_at: iso(w.updatedAt), revision: w.version };
}
