import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import type { RequestTrace } from '../../core/trace.js';
import { chunkCodec } from '../../telemetry/chunk-codec.js';
import { callFacts, presentRow, toRow } from '../../telemetry/record.js';
import { freshPgSchema, hasPostgres, PG_URL } from '../../test-support/services.js';
import { openConnection, type StoreConnection } from '../open.js';
import { CallLogStore } from '../telemetry/call-logs.js';
import type { CallLogRow } from '../telemetry/tables.js';
import { MIGRATIONS } from './index.js';

const T0 = 1_700_000_000_000;

function trace(p: Partial<RequestTrace>): RequestTrace {
  return {
    requestId: 'r', timestamp: T0, configVersion: 3, method: 'GET', path: '/orders', clientIp: '10.0.0.1', status: 200, answeredBy: 'upstream',
    simulated: false, durationMs: 12.5, routeId: 'orders', serviceId: 'shop', entries: [], ...p,
  };
}

/** Rows as the telemetry worker wrote them before migration 203 (trace in stored format 2). */
function legacyRows(): CallLogRow[] {
  const denied = trace({
    requestId: 'old-denied', status: 403, answeredBy: 'gateway', code: 'acl.denied', consumerId: 'bob',
    decidedBy: { id: 'route:orders:acl', name: 'acl', scope: 'route' },
    entries: [{ policy: { id: 'route:orders:acl', name: 'acl', scope: 'route' }, phase: 'authorize', outcome: 'deny', code: 'acl.denied', detail: 'consumer bob is not in an allowed group', ms: 0.2 }],
  });
  const ai = trace({
    requestId: 'old-ai', timestamp: T0 + 1000, path: '/v1/chat/completions', method: 'POST', consumerId: 'alice',
    annotations: { ai: { provider: 'openai', model: 'gpt-4o', attempts: 1, tokens: { input: 12, output: 30, cached: 4, reasoning: 0 }, cost: 0.002 } },
    entries: [{ step: 'upstream', phase: 'upstream', outcome: 'allow', detail: 'attempt 1: openai/gpt-4o answered', ms: 10 }],
  });
  return [
    toRow(callFacts(denied, undefined, { team: 'payments', api: 'shop-api' })),
    { ...toRow(callFacts(ai, undefined, { team: 'payments', api: 'llm' })), request_body: '{"password":"***"}', response_body: null },
  ];
}

function suite(name: string, open: () => Promise<{ conn: StoreConnection; cleanup: () => Promise<void> }>) {
  describe(`migration 203 on ${name}`, () => {
    let cleanup: (() => Promise<void>) | undefined;
    afterAll(async () => {
      await cleanup?.();
    });

    it('converts the rows of one row per request into chunks, traces, AI facts and bodies kept', async () => {
      const o = await open();
      cleanup = o.cleanup;
      const db = o.conn.db as unknown as Kysely<unknown>;
      for (const m of MIGRATIONS.filter((x) => x.name < '203')) await m.up(db);
      const rows = legacyRows();
      await (db as unknown as Kysely<{ call_logs: CallLogRow }>).insertInto('call_logs').values(rows).execute();
      await MIGRATIONS.find((x) => x.name === '203-call-log-chunks')!.up(db);

      const logs = new CallLogStore(o.conn.db, o.conn.dialect, chunkCodec);
      expect(await logs.count()).toBe(2);
      expect((await logs.query({})).items.map((r) => r.request_id)).toEqual(['old-ai', 'old-denied']);
      expect((await logs.query({ denied: true, team: 'payments' })).items.map((r) => r.request_id)).toEqual(['old-denied']);
      expect((await logs.query({ model: 'gpt-4o', api: 'llm' })).items.map((r) => r.request_id)).toEqual(['old-ai']);

      const d = await logs.get('old-denied');
      const shown = presentRow(d!, true);
      expect(shown).toMatchObject({ status: 403, code: 'acl.denied', decided_by: 'route:orders:acl', consumer: 'bob', team: 'payments', api: 'shop-api' });
      expect(shown.trace?.entries).toEqual([expect.objectContaining({ outcome: 'deny', code: 'acl.denied', detail: 'consumer bob is not in an allowed group' })]);

      const a = presentRow((await logs.get('old-ai'))!, true);
      expect(a.ai).toEqual({ provider: 'openai', model: 'gpt-4o', attempts: 1, tokens: { input: 12, output: 30, cached: 4, reasoning: 0 }, cost: 0.002 });
      expect(a.bodies).toEqual({ request: '{"password":"***"}', response: null });
      expect(a.timings.upstream_ms).toBe(10);

      const left = await sql<{ n: number }>`select count(*) as n from call_log_chunks`.execute(db);
      expect(Number(left.rows[0]?.n)).toBe(1);
      await expect(sql`select 1 from call_logs`.execute(db)).rejects.toThrow();
    });
  });
}

suite('SQLite', () => {
  const conn = openConnection({ url: ':memory:' });
  return Promise.resolve({ conn, cleanup: () => conn.db.destroy() });
});

if (await hasPostgres()) {
  suite('PostgreSQL', async () => {
    const { schema, drop } = await freshPgSchema('mig203');
    const admin = openConnection({ url: PG_URL });
    await admin.db.schema.createSchema(schema).execute();
    await admin.db.destroy();
    const conn = openConnection({ url: PG_URL, schema });
    return { conn, cleanup: async () => { await conn.db.destroy(); await drop(); } };
  });
}
