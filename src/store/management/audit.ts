import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { json, newId, pageLimit, parse } from './common.js';

/** One recorded write: who, what, before/after, when. Secrets are redacted before they get here. */
export interface AuditEntry {
  readonly id: string;
  readonly at: number;
  readonly actor: { readonly type: string; readonly id?: string; readonly name?: string };
  readonly action: string;
  readonly resource: { readonly type: string; readonly id?: string };
  readonly teamId?: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly requestId?: string;
  readonly ip?: string;
}

export type AuditInput = Omit<AuditEntry, 'id' | 'at'>;

export interface AuditQuery {
  readonly limit?: number;
  /** Cursor: entries older than this id (newest first). */
  readonly before?: string;
  readonly teams?: readonly string[];
  readonly actor?: string;
  readonly action?: string;
  readonly resourceType?: string;
  readonly resourceId?: string;
  readonly since?: number;
}

const entry = (r: Database['audit_log']): AuditEntry => ({
  id: r.id,
  at: r.at,
  actor: { type: r.actor_type, ...(r.actor_id !== null ? { id: r.actor_id } : {}), ...(r.actor_name !== null ? { name: r.actor_name } : {}) },
  action: r.action,
  resource: { type: r.resource_type, ...(r.resource_id !== null ? { id: r.resource_id } : {}) },
  ...(r.team_id !== null ? { teamId: r.team_id } : {}),
  ...(r.before !== null ? { before: parse(r.before) } : {}),
  ...(r.after !== null ? { after: parse(r.after) } : {}),
  ...(r.request_id !== null ? { requestId: r.request_id } : {}),
  ...(r.ip !== null ? { ip: r.ip } : {}),
});

/** The append-only audit log of every write. */
export class AuditRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(e: AuditInput): Promise<AuditEntry> {
    const row: Database['audit_log'] = {
      id: newId('aud'),
      at: Date.now(),
      actor_type: e.actor.type,
      actor_id: e.actor.id ?? null,
      actor_name: e.actor.name ?? null,
      action: e.action,
      resource_type: e.resource.type,
      resource_id: e.resource.id ?? null,
      team_id: e.teamId ?? null,
      before: e.before === undefined ? null : json(e.before),
      after: e.after === undefined ? null : json(e.after),
      request_id: e.requestId ?? null,
      ip: e.ip ?? null,
    };
    await this.db.insertInto('audit_log').values(row).execute();
    return entry(row);
  }

  /** Newest first. */
  async list(q: AuditQuery = {}): Promise<{ items: AuditEntry[]; next?: string }> {
    if (q.teams && q.teams.length === 0) return { items: [] };
    const limit = pageLimit(q);
    let query = this.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(limit + 1);
    if (q.before) query = query.where('id', '<', q.before);
    if (q.teams) query = query.where('team_id', 'in', [...q.teams]);
    if (q.actor) query = query.where((eb) => eb.or([eb('actor_id', '=', q.actor!), eb('actor_name', '=', q.actor!)]));
    if (q.action) query = q.action.endsWith('.') || q.action.endsWith('*') ? query.where('action', 'like', `${q.action.replace(/\*$/, '')}%`) : query.where('action', '=', q.action);
    if (q.resourceType) query = query.where('resource_type', '=', q.resourceType);
    if (q.resourceId) query = query.where('resource_id', '=', q.resourceId);
    if (q.since !== undefined) query = query.where('at', '>=', q.since);
    const rows = await query.execute();
    const more = rows.length > limit;
    const items = (more ? rows.slice(0, limit) : rows).map(entry);
    return { items, ...(more ? { next: items[items.length - 1]!.id } : {}) };
  }
}
