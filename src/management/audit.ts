import type { AuditEntry, AuditInput, ManagementTables } from '../store/management/index.js';
import { notFound } from './errors.js';
import { readableTeams, type Principal } from './roles.js';

/** Keys whose values never reach the audit log (the stored forms of secrets included). */
const SECRET_KEY = /^(password|password_hash|passwordHash|secret|token|token_hash|tokenHash|key|key_hash|previous_key_hash|csrf|client_secret|private_key)$/i;

/** A field name that carries a secret (or its stored form). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A deep copy with secret-bearing fields replaced by "[redacted]". */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null ? '[redacted]' : redact(v);
    return out;
  }
  return value;
}

/** Who did it and from where: attached to every audit entry of one admin request. */
export interface Actor {
  readonly principal: Principal;
  readonly requestId?: string;
  readonly ip?: string;
}

export interface AuditDraft {
  readonly action: string;
  readonly resource: { readonly type: string; readonly id?: string };
  readonly teamId?: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

export function auditEntry(actor: Actor, d: AuditDraft): AuditInput {
  const p = actor.principal;
  return {
    actor: { type: p.kind, ...(p.userId ? { id: p.userId } : p.tokenId ? { id: p.tokenId } : {}), name: p.name },
    action: d.action,
    resource: d.resource,
    ...(d.teamId ? { teamId: d.teamId } : {}),
    ...(d.before !== undefined ? { before: redact(d.before) } : {}),
    ...(d.after !== undefined ? { after: redact(d.after) } : {}),
    ...(actor.requestId ? { requestId: actor.requestId } : {}),
    ...(actor.ip ? { ip: actor.ip } : {}),
  };
}

/**
 * The audit log as a principal may read it: everything with a global role, else the entries of its
 * teams (user and token changes have no team and need a global role).
 */
export async function listAudit(
  tables: ManagementTables,
  p: Principal,
  q: { limit?: number; before?: string; team?: string; actor?: string; action?: string; resource_type?: string; resource_id?: string; since?: number },
): Promise<{ items: AuditEntry[]; next?: string }> {
  const visible = readableTeams(p);
  if (q.team && visible && !visible.includes(q.team)) throw notFound('team', q.team);
  const teams = q.team ? [q.team] : visible;
  return tables.audit.list({
    ...(q.limit ? { limit: q.limit } : {}),
    ...(q.before ? { before: q.before } : {}),
    ...(teams ? { teams } : {}),
    ...(q.actor ? { actor: q.actor } : {}),
    ...(q.action ? { action: q.action } : {}),
    ...(q.resource_type ? { resourceType: q.resource_type } : {}),
    ...(q.resource_id ? { resourceId: q.resource_id } : {}),
    ...(q.since !== undefined ? { since: q.since } : {}),
  });
}
