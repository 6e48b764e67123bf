import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { insertOrConflict, pageLimit, StaleEntityError, toPage, type Page, type PageQuery } from './common.js';

/** A consumer's subscription to an API (one per pair). */
export interface SubscriptionRecord {
  readonly id: string;
  readonly apiId: string;
  readonly consumerId: string;
  readonly state: string;
  readonly reason?: string;
  readonly comment?: string;
  readonly requestedBy?: string;
  readonly decidedBy?: string;
  readonly decidedAt?: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly version: number;
}

const sub = (r: Database['subscriptions']): SubscriptionRecord => ({
  id: r.id,
  apiId: r.api_id,
  consumerId: r.consumer_id,
  state: r.state,
  ...(r.reason !== null ? { reason: r.reason } : {}),
  ...(r.comment !== null ? { comment: r.comment } : {}),
  ...(r.requested_by !== null ? { requestedBy: r.requested_by } : {}),
  ...(r.decided_by !== null ? { decidedBy: r.decided_by } : {}),
  ...(r.decided_at !== null ? { decidedAt: r.decided_at } : {}),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  version: r.version,
});

export interface SubscriptionQuery extends PageQuery {
  readonly api?: string;
  readonly consumer?: string;
  readonly state?: string;
  /** Only subscriptions whose API or consumer belongs to one of these teams (visibility). */
  readonly teams?: readonly string[];
  /** Only subscriptions to APIs of this team. */
  readonly apiTeam?: string;
  /** Only subscriptions of consumers of this team. */
  readonly consumerTeam?: string;
}

export class SubscriptionsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(id: string): Promise<SubscriptionRecord | undefined> {
    const r = await this.db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirst();
    return r ? sub(r) : undefined;
  }

  async byPair(apiId: string, consumerId: string): Promise<SubscriptionRecord | undefined> {
    const r = await this.db.selectFrom('subscriptions').selectAll().where('api_id', '=', apiId).where('consumer_id', '=', consumerId).executeTakeFirst();
    return r ? sub(r) : undefined;
  }

  async list(q: SubscriptionQuery = {}): Promise<Page<SubscriptionRecord>> {
    if (q.teams && q.teams.length === 0) return { items: [] };
    const limit = pageLimit(q);
    let query = this.db
      .selectFrom('subscriptions')
      .innerJoin('apis', 'apis.id', 'subscriptions.api_id')
      .innerJoin('consumers', 'consumers.id', 'subscriptions.consumer_id')
      .selectAll('subscriptions')
      .orderBy('subscriptions.id')
      .limit(limit + 1);
    if (q.after) query = query.where('subscriptions.id', '>', q.after);
    if (q.api) query = query.where('subscriptions.api_id', '=', q.api);
    if (q.consumer) query = query.where('subscriptions.consumer_id', '=', q.consumer);
    if (q.state) query = query.where('subscriptions.state', '=', q.state);
    if (q.apiTeam) query = query.where('apis.team_id', '=', q.apiTeam);
    if (q.consumerTeam) query = query.where('consumers.team_id', '=', q.consumerTeam);
    const teams = q.teams;
    if (teams) query = query.where((eb) => eb.or([eb('apis.team_id', 'in', [...teams]), eb('consumers.team_id', 'in', [...teams])]));
    return toPage(await query.execute(), limit, (r) => r.id, sub);
  }

  async all(): Promise<SubscriptionRecord[]> {
    return (await this.db.selectFrom('subscriptions').selectAll().orderBy('id').execute()).map(sub);
  }

  async insert(s: Omit<SubscriptionRecord, 'createdAt' | 'updatedAt' | 'version'>): Promise<SubscriptionRecord> {
    const now = Date.now();
    const row: Database['subscriptions'] = {
      id: s.id,
      api_id: s.apiId,
      consumer_id: s.consumerId,
      state: s.state,
      reason: s.reason ?? null,
      comment: s.comment ?? null,
      requested_by: s.requestedBy ?? null,
      decided_by: s.decidedBy ?? null,
      decided_at: s.decidedAt ?? null,
      created_at: now,
      updated_at: now,
      version: 1,
    };
    await insertOrConflict(`${s.consumerId} already has a subscription to ${s.apiId}`, () => this.db.insertInto('subscriptions').values(row).execute());
    return sub(row);
  }

  async update(
    id: string,
    patch: { state?: string; reason?: string | null; comment?: string | null; requestedBy?: string | null; decidedBy?: string | null; decidedAt?: number | null },
    expectedVersion?: number,
  ): Promise<SubscriptionRecord | undefined> {
    const cur = await this.get(id);
    if (!cur) return undefined;
    if (expectedVersion !== undefined && expectedVersion !== cur.version) throw new StaleEntityError('subscription', id, expectedVersion, cur.version);
    const set: Partial<Database['subscriptions']> = { updated_at: Date.now(), version: cur.version + 1 };
    if (patch.state !== undefined) set.state = patch.state;
    if (patch.reason !== undefined) set.reason = patch.reason;
    if (patch.comment !== undefined) set.comment = patch.comment;
    if (patch.requestedBy !== undefined) set.requested_by = patch.requestedBy;
    if (patch.decidedBy !== undefined) set.decided_by = patch.decidedBy;
    if (patch.decidedAt !== undefined) set.decided_at = patch.decidedAt;
    const r = await this.db.updateTable('subscriptions').set(set).where('id', '=', id).where('version', '=', cur.version).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new StaleEntityError('subscription', id, cur.version, cur.version + 1);
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('subscriptions').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
