import type { Kysely } from 'kysely';
import type { RequestTrace } from '../core/trace.js';
import type { Database } from './schema.js';

export interface TraceQuery {
  readonly limit?: number;
  /** Only traces strictly older than this timestamp (ms) — cursor pagination. */
  readonly before?: number;
  readonly code?: string;
  readonly routeId?: string;
  readonly consumerId?: string;
  readonly status?: number;
}

/** Persisted decision traces (denied requests by default). */
export class TraceStore {
  constructor(private readonly db: Kysely<Database>) {}

  async saveMany(traces: readonly RequestTrace[]): Promise<void> {
    if (traces.length === 0) return;
    const rows = traces.map((t) => ({
      request_id: t.requestId,
      timestamp: t.timestamp,
      status: t.status,
      code: t.code ?? null,
      route_id: t.routeId ?? null,
      consumer_id: t.consumerId ?? null,
      policy_id: t.decidedBy?.id ?? null,
      trace: JSON.stringify(t),
    }));
    // Chunked to stay under SQLite's bound-parameter limit.
    for (let i = 0; i < rows.length; i += 100) {
      await this.db.insertInto('traces').values(rows.slice(i, i + 100)).onConflict((oc) => oc.column('request_id').doNothing()).execute();
    }
  }

  async get(requestId: string): Promise<RequestTrace | undefined> {
    const r = await this.db.selectFrom('traces').select('trace').where('request_id', '=', requestId).executeTakeFirst();
    return r ? (JSON.parse(r.trace) as RequestTrace) : undefined;
  }

  async list(q: TraceQuery = {}): Promise<RequestTrace[]> {
    let query = this.db.selectFrom('traces').select('trace').orderBy('timestamp', 'desc').limit(Math.min(q.limit ?? 50, 1000));
    if (q.before !== undefined) query = query.where('timestamp', '<', q.before);
    if (q.code) query = query.where('code', '=', q.code);
    if (q.routeId) query = query.where('route_id', '=', q.routeId);
    if (q.consumerId) query = query.where('consumer_id', '=', q.consumerId);
    if (q.status !== undefined) query = query.where('status', '=', q.status);
    const rows = await query.execute();
    return rows.map((r) => JSON.parse(r.trace) as RequestTrace);
  }

  async deleteOlderThan(timestamp: number): Promise<number> {
    const r = await this.db.deleteFrom('traces').where('timestamp', '<', timestamp).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
