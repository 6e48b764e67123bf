import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { json, parse, StaleEntityError } from './common.js';

/** A team's webhook: where subscription and lifecycle events are posted (signed with `secret`). */
export interface WebhookRecord {
  readonly id: string;
  readonly teamId: string;
  readonly url: string;
  /** HMAC signing secret (needed in clear to sign; never returned after creation). */
  readonly secret: string;
  /** Event names or prefixes (`subscription.*`). */
  readonly events: readonly string[];
  readonly active: boolean;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly version: number;
  readonly lastDelivery?: { readonly at: number; readonly event: string; readonly status: number | null; readonly error?: string };
}

const hook = (r: Database['webhooks']): WebhookRecord => ({
  id: r.id,
  teamId: r.team_id,
  url: r.url,
  secret: r.secret,
  events: JSON.parse(r.events) as string[],
  active: r.active !== 0,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
  ...(r.last_delivery !== null ? { lastDelivery: parse(r.last_delivery) as NonNullable<WebhookRecord['lastDelivery']> } : {}),
});

export class WebhooksRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(id: string): Promise<WebhookRecord | undefined> {
    const r = await this.db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? hook(r) : undefined;
  }

  async list(teamIds?: readonly string[]): Promise<WebhookRecord[]> {
    if (teamIds && teamIds.length === 0) return [];
    let q = this.db.selectFrom('webhooks').selectAll().orderBy('id');
    if (teamIds) q = q.where('team_id', 'in', [...teamIds]);
    return (await q.execute()).map(hook);
  }

  async insert(w: { id: string; teamId: string; url: string; secret: string; events: readonly string[]; active?: boolean }): Promise<WebhookRecord> {
    const now = Date.now();
    const row: Database['webhooks'] = {
      id: w.id,
      team_id: w.teamId,
      url: w.url,
      secret: w.secret,
      events: json(w.events),
      active: w.active === false ? 0 : 1,
      created_at: now,
      updated_at: now,
      version: 1,
      last_delivery: null,
    };
    await this.db.insertInto('webhooks').values(row).execute();
    return hook(row);
  }

  async update(id: string, patch: { url?: string; events?: readonly string[]; active?: boolean }, expectedVersion?: number): Promise<WebhookRecord | undefined> {
    const cur = await this.get(id);
    if (!cur) return undefined;
    if (expectedVersion !== undefined && expectedVersion !== cur.version) throw new StaleEntityError('webhook', id, expectedVersion, cur.version);
    const set: Partial<Database['webhooks']> = { updated_at: Date.now(), version: cur.version + 1 };
    if (patch.url !== undefined) set.url = patch.url;
    if (patch.events !== undefined) set.events = json(patch.events);
    if (patch.active !== undefined) set.active = patch.active ? 1 : 0;
    const r = await this.db.updateTable('webhooks').set(set).where('id', '=', id).where('version', '=', cur.version).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new StaleEntityError('webhook', id, cur.version, cur.version + 1);
    return this.get(id);
  }

  async recordDelivery(id: string, d: NonNullable<WebhookRecord['lastDelivery']>): Promise<void> {
    await this.db.updateTable('webhooks').set({ last_delivery: json(d) }).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
