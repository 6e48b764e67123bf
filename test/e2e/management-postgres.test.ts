import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { freshPgSchema, hasPostgres, PG_URL } from '../../src/test-support/services.js';
import { startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';
import { AdminClient } from './management-client.js';

/**
 * The same management flow on the real PostgreSQL store (`--store postgres://…`), with two Sluice
 * instances on one database: a write on one reaches the other's data plane by polling the store.
 */
describe('management plane on PostgreSQL', () => {
  let skipped = false;
  let up: TestUpstream;
  let one: TestGateway;
  let two: TestGateway;
  let drop: () => Promise<void> = async () => undefined;

  beforeAll(async () => {
    skipped = !(await hasPostgres());
    if (skipped) return;
    const s = await freshPgSchema('mgmt');
    drop = s.drop;
    up = await startUpstream();
    const opts = { storeUrl: PG_URL, storeSchema: s.schema, pollMs: 100 };
    one = await startGateway(undefined, opts);
    two = await startGateway(undefined, opts);
  });
  afterAll(async () => {
    if (skipped) return;
    await one.close();
    await two.close();
    await up.close();
    await drop();
  });

  const t = (name: string, fn: () => Promise<void>) => it(name, async (ctx) => (skipped ? ctx.skip() : fn()));

  t('publish, subscribe, approve: calls pass on both instances', async () => {
    const a = new AdminClient(one.admin);
    await a.ok(a.post('/teams', { id: 'pay', name: 'Pay' }), 201);
    await a.ok(a.post('/apis', { id: 'orders', team: 'pay', name: 'Orders', definition: { base_path: '/orders', upstream: { targets: [up.url] }, policies: [{ name: 'key-auth' }], routes: [{ id: 'all', paths: ['/'] }] } }), 201);
    await a.ok(a.post('/apis/orders/publish'));
    await a.ok(a.post('/consumers', { id: 'shop', team: 'pay' }), 201);
    const key = (await a.ok<{ secret: { key: string } }>(a.post('/consumers/shop/credentials', { type: 'key-auth' }), 201)).secret.key;
    const sub = await a.ok<{ id: string }>(a.post('/subscriptions', { api: 'orders', consumer: 'shop', reason: 'pg' }), 201);
    expect((await call(`${one.url}/orders`, { headers: { 'x-api-key': key } })).json()).toMatchObject({ code: 'subscription.pending' });
    await a.ok(a.post(`/subscriptions/${sub.id}/approve`));
    expect((await call(`${one.url}/orders`, { headers: { 'x-api-key': key } })).status).toBe(200);
    // The other instance serves the same from its next poll of the store.
    const deadline = Date.now() + 5000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      status = (await call(`${two.url}/orders`, { headers: { 'x-api-key': key } })).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    // Its management plane reads the same tables (and composes its writes with them).
    const b = new AdminClient(two.admin);
    expect((await b.ok<{ state: string }>(b.get(`/subscriptions/${sub.id}`))).state).toBe('approved');
    await b.ok(b.post(`/subscriptions/${sub.id}/revoke`, { comment: 'from two' }));
    expect((await call(`${two.url}/orders`, { headers: { 'x-api-key': key } })).json()).toMatchObject({ code: 'subscription.revoked' });
  });
});
