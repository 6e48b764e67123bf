import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { expectGolden } from '../../src/test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';
import { AdminClient, PASSWORD } from './management-client.js';

/**
 * The management plane end to end, through the admin API and the proxy of a real in-process Sluice
 * (SQLite store, `--admin-auth required` with a bootstrap token): a team publishes an API, a
 * developer subscribes, calls are refused until an admin approves, roles and teams are enforced.
 */
describe('management plane: publish, subscribe, approve, call', () => {
  const BOOT = 'boot-token-for-tests-0123456789';
  let up: TestUpstream;
  let hooks: TestUpstream;
  let gw: TestGateway;
  let root: AdminClient;
  let alice: AdminClient; // admin of team payments (owns the API)
  let vic: AdminClient; // viewer of payments
  let bob: AdminClient; // editor of team web (the developer)
  let eve: AdminClient; // editor of team other
  let key = '';
  let subId = '';
  let hookSecret = '';

  beforeAll(async () => {
    up = await startUpstream();
    hooks = await startUpstream((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    gw = await startGateway(undefined, { adminToken: BOOT });
    root = new AdminClient(gw.admin, { token: BOOT });
    for (const t of ['payments', 'web', 'other']) await root.ok(root.post('/teams', { id: t, name: t }), 201);
    const people: [string, string, string][] = [['alice@example.com', 'payments', 'admin'], ['vic@example.com', 'payments', 'viewer'], ['bob@example.com', 'web', 'editor'], ['eve@example.com', 'other', 'editor']];
    for (const [email, team, role] of people) {
      await root.ok(root.post('/users', { email, password: PASSWORD }), 201);
      await root.ok(root.put(`/teams/${team}/members/${email}`, { role }));
    }
    const clients = await Promise.all(people.map(([email]) => AdminClient.withToken(gw.admin, email, PASSWORD)));
    [alice, vic, bob, eve] = [clients[0]!, clients[1]!, clients[2]!, clients[3]!];
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
    await hooks.close();
  });

  const proxy = (path: string, k = key, init: { method?: string } = {}) => call(`${gw.url}${path}`, { ...init, headers: { 'x-api-key': k } });
  const replace = () => ({ [subId]: '<subscription-id>' });
  /** The denial names when the subscription entered its state: a time that varies per run. */
  const since = async (id: string) => {
    const s = await root.ok<{ decided_at?: string; updated_at: string }>(root.get(`/subscriptions/${id}`));
    return { [s.decided_at ?? s.updated_at]: '<since>', [id]: '<subscription-id>' };
  };

  it('a team admin creates a draft API and publishes it as release 1', async () => {
    const api = await alice.ok<{ state: string; revision: number }>(
      alice.post('/apis', {
        id: 'orders-v1',
        team: 'payments',
        name: 'Orders',
        version: 'v1',
        definition: { base_path: '/v1/orders', upstream: { targets: [up.url] }, policies: [{ name: 'key-auth' }], routes: [{ id: 'list', paths: ['/'], methods: ['GET'] }, { id: 'one', paths: ['/:id'], methods: ['GET', 'PUT'] }] },
      }),
      201,
    );
    expect(api.state).toBe('draft');
    // Nothing is served while it is a draft.
    expect((await proxy('/v1/orders')).status).toBe(404);
    const hook = await alice.ok<{ secret: string }>(alice.post('/webhooks', { team: 'payments', url: `${hooks.url}/sluice`, events: ['subscription.*'] }), 201);
    hookSecret = hook.secret;
    expect(hookSecret).toMatch(/^whsec_/);
    const pub = await alice.ok<{ api: { state: string; live_release: number }; release: { number: number; diff: unknown[] }; created: boolean }>(alice.post('/apis/orders-v1/publish', { notes: 'first' }));
    expect(pub).toMatchObject({ api: { state: 'published', live_release: 1 }, release: { number: 1 }, created: true });
    expect(pub.release.diff.length).toBeGreaterThan(0);
    // Publishing again without a change makes no new release.
    expect((await alice.ok<{ created: boolean }>(alice.post('/apis/orders-v1/publish'))).created).toBe(false);
    // Without a key, key-auth answers first (401); the route exists now.
    expect((await call(`${gw.url}/v1/orders`)).status).toBe(401);
  });

  it('a developer finds it in the portal, registers an application with a key and subscribes with a reason', async () => {
    const catalog = await bob.ok<{ items: { id: string; state: string; docs: string }[] }>(bob.get('/portal/apis'));
    expect(catalog.items.map((a) => a.id)).toContain('orders-v1');
    const docs = await bob.ok<{ openapi: string; paths: Record<string, unknown> }>(bob.get('/portal/apis/orders-v1/openapi'));
    expect(docs.openapi).toBe('3.1.0');
    expect(Object.keys(docs.paths).sort()).toEqual(['/', '/{id}']);
    const app = await bob.ok<{ id: string; team: string; key: string; keys: { hint: string }[] }>(bob.post('/portal/applications', { id: 'shop', name: 'Shop' }), 201);
    expect(app).toMatchObject({ id: 'shop', team: 'web' });
    key = app.key;
    expect(key).toMatch(/^sluice_/);
    expect(app.keys[0]?.hint).toBe(`…${key.slice(-4)}`);
    // The key is never shown again.
    expect(JSON.stringify(await bob.ok(bob.get('/portal/applications/shop')))).not.toContain(key);
    const sub = await bob.ok<{ id: string; state: string; reason: string }>(bob.post('/portal/apis/orders-v1/subscriptions', { application: 'shop', reason: 'checkout needs orders' }), 201);
    expect(sub).toMatchObject({ state: 'pending', reason: 'checkout needs orders' });
    subId = sub.id;
  });

  it('calls get 403 subscription.pending until an admin approves; then they pass', async () => {
    const before = up.seen.length;
    const r = await proxy('/v1/orders');
    expectGolden('management/subscription-403-pending', r, await since(subId));
    expect(up.seen.length).toBe(before);
    const trace = await root.ok<{ entries: { code?: string; data?: Record<string, unknown> }[] }>(root.get(`/traces/${r.headers['x-request-id'] as string}`));
    expect(trace.entries.find((e) => e.code === 'subscription.pending')?.data).toMatchObject({ api: 'orders-v1', consumer: 'shop', state: 'pending', subscription: subId });

    // The simulator explains it before anyone calls, without contacting the upstream.
    const sim = await root.ok<{ outcome: string; response: { status: number; body: { code: string } }; trace: { entries: { code?: string; data?: Record<string, unknown> }[] } }>(root.post('/simulate', { method: 'GET', path: '/v1/orders', headers: { 'x-api-key': key } }));
    expect(sim).toMatchObject({ outcome: 'denied', response: { status: 403, body: { code: 'subscription.pending' } } });
    expect(sim.trace.entries.find((e) => e.code === 'subscription.pending')?.data).toMatchObject({ subscription: subId, state: 'pending' });
    expect(up.seen.length).toBe(before);

    const queue = await alice.ok<{ items: { id: string; consumer: string; reason: string }[] }>(alice.get('/subscriptions?state=pending'));
    expect(queue.items).toEqual([expect.objectContaining({ id: subId, consumer: 'shop', reason: 'checkout needs orders' })]);
    // The developer cannot approve their own request.
    const self = await bob.post(`/subscriptions/${subId}/approve`, {});
    expect(self.status).toBe(403);
    const ok = await alice.ok<{ state: string; decided_by: string }>(alice.post(`/subscriptions/${subId}/approve`, { comment: 'welcome' }));
    expect(ok).toMatchObject({ state: 'approved', decided_by: 'alice@example.com (token test)' });
    const pass = await proxy('/v1/orders/42');
    expect(pass.status).toBe(200);
    expect(JSON.parse(pass.text)).toMatchObject({ method: 'GET', url: '/v1/orders/42' });
    expect(up.seen.at(-1)?.headers['x-api-key']).toBeUndefined(); // the key never reaches the upstream
  });

  it('revoked and rejected subscriptions, and none at all, each have their own 403', async () => {
    await alice.ok(alice.post(`/subscriptions/${subId}/revoke`, { comment: 'abuse' }));
    expectGolden('management/subscription-403-revoked', await proxy('/v1/orders'), await since(subId));
    // A comment is required to revoke or reject.
    expectGolden('management/admin-400-comment-required', await alice.post(`/subscriptions/${subId}/reject`, {}), replace());
    await alice.ok(alice.post(`/subscriptions/${subId}/approve`));
    expect((await proxy('/v1/orders')).status).toBe(200);

    const crm = await bob.ok<{ key: string }>(bob.post('/portal/applications', { id: 'crm' }), 201);
    expectGolden('management/subscription-403-missing', await proxy('/v1/orders', crm.key));
    const s = await bob.ok<{ id: string }>(bob.post('/subscriptions', { api: 'orders-v1', consumer: 'crm', reason: 'reports' }), 201);
    await alice.ok(alice.post(`/subscriptions/${s.id}/reject`, { comment: 'use the reports API' }));
    expectGolden('management/subscription-403-rejected', await proxy('/v1/orders', crm.key), await since(s.id));
    const mine = await bob.ok<{ items: { id: string; subscriptions: { state: string; comment?: string }[] }[] }>(bob.get('/portal/applications'));
    expect(mine.items.find((a) => a.id === 'crm')?.subscriptions).toEqual([expect.objectContaining({ state: 'rejected', comment: 'use the reports API' })]);
    // Asking again is a conflict while one is pending or approved.
    expectGolden('management/admin-409-conflict', await bob.post('/subscriptions', { api: 'orders-v1', consumer: 'shop' }), replace());
  });

  it('every subscription change was posted to the team\'s webhook, signed', async () => {
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && hooks.seen.filter((x) => x.url === '/sluice').length < 6) await new Promise((r) => setTimeout(r, 25));
    const events = hooks.seen.filter((x) => x.url === '/sluice');
    expect(events.map((e) => e.headers['x-sluice-event'])).toEqual(['subscription.requested', 'subscription.approved', 'subscription.revoked', 'subscription.approved', 'subscription.requested', 'subscription.rejected']);
    for (const e of events) {
      const sig = String(e.headers['x-sluice-signature']);
      const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig);
      expect(m).not.toBeNull();
      expect(createHmac('sha256', hookSecret).update(`${m![1]!}.${e.body.toString()}`).digest('hex')).toBe(m![2]);
    }
    expect(JSON.parse(events[1]!.body.toString())).toMatchObject({ type: 'subscription.approved', team: 'payments', data: { id: subId, state: 'approved', comment: 'welcome' } });
  });

  it('a viewer cannot write: 403 admin.forbidden naming the role needed', async () => {
    expect((await vic.ok<{ id: string }>(vic.get('/apis/orders-v1'))).id).toBe('orders-v1');
    expectGolden('management/admin-403-viewer-write', await vic.patch('/apis/orders-v1', { description: 'mine now' }));
    expect((await vic.post('/apis/orders-v1/publish')).status).toBe(403);
    expect((await vic.post(`/subscriptions/${subId}/revoke`, { comment: 'x' })).status).toBe(403);
  });

  it('a stale If-Match gets 412 with the current ETag; the right one writes', async () => {
    const cur = await alice.get('/apis/orders-v1');
    const etag = cur.headers['etag'] as string;
    expect(etag).toMatch(/^"\d+"$/);
    const stale = `"${Number(etag.slice(1, -1)) - 1}"`;
    const r = await alice.patch('/apis/orders-v1', { description: 'Orders of the shop' }, { 'if-match': stale });
    expectGolden('management/admin-412-stale-if-match', r);
    expect(r.headers['etag']).toBe(etag);
    const ok = await alice.patch('/apis/orders-v1', { description: 'Orders of the shop' }, { 'if-match': etag });
    expect(ok.status).toBe(200);
    expect(ok.headers['etag']).toBe(`"${Number(etag.slice(1, -1)) + 1}"`);
  });

  it('another team\'s member gets 404 on the first team\'s API and sees none of its subscriptions', async () => {
    expectGolden('management/admin-404-other-team', await eve.get('/apis/orders-v1'));
    expect((await eve.patch('/apis/orders-v1', { name: 'x' })).status).toBe(404);
    expect((await eve.get(`/subscriptions/${subId}`)).status).toBe(404);
    expect((await eve.ok<{ items: unknown[] }>(eve.get('/subscriptions'))).items).toEqual([]);
    expect((await eve.ok<{ items: { id: string }[] }>(eve.get('/apis'))).items).toEqual([]);
    expect((await eve.get('/teams/payments')).status).toBe(404);
    expect((await eve.get('/consumers/shop')).status).toBe(404);
    // Team-less operator resources need a global role.
    expectGolden('management/admin-403-needs-global-role', await eve.get('/config'));
  });

  it('releases: a new release with its diff, the draft diff, and a rollback as a new release', async () => {
    const api = await alice.ok<{ definition: { routes: unknown[] } }>(alice.get('/apis/orders-v1'));
    const routes = [...api.definition.routes, { id: 'stats', paths: ['/stats'], methods: ['GET'] }];
    await alice.ok(alice.patch('/apis/orders-v1', { definition: { ...api.definition, routes } }));
    const plan = await alice.ok<{ from: number; to: string; lines: string[] }>(alice.get('/apis/orders-v1/diff'));
    expect(plan).toMatchObject({ from: 1, to: 'draft' });
    expect(plan.lines.some((l) => l.startsWith('+ routes[stats]'))).toBe(true);
    // The live release serves until the next publish.
    expect((await proxy('/v1/orders/stats')).status).toBe(200); // matched by /:id
    const pub = await alice.ok<{ release: { number: number } }>(alice.post('/apis/orders-v1/publish'));
    expect(pub.release.number).toBe(2);
    const list = await alice.ok<{ items: { number: number; diff: { path: string }[] }[] }>(alice.get('/apis/orders-v1/releases'));
    expect(list.items.map((r) => r.number)).toEqual([2, 1]);
    expect(list.items[0]!.diff.map((d) => d.path)).toEqual(['routes[stats]']);
    const rb = await alice.ok<{ release: { number: number; notes: string } }>(alice.post('/apis/orders-v1/rollback', { release: 1 }));
    expect(rb.release).toMatchObject({ number: 3, notes: 'rollback to release 1' });
    expect((await alice.ok<{ snapshot: unknown }>(alice.get('/apis/orders-v1/releases/3'))).snapshot).toEqual((await alice.ok<{ snapshot: unknown }>(alice.get('/apis/orders-v1/releases/1'))).snapshot);
  });

  it('a deprecated API answers with Deprecation and Sunset headers and takes no new subscriptions', async () => {
    await alice.ok(alice.post('/apis/orders-v1/deprecate', { deprecated_at: '2030-01-01T00:00:00Z', sunset_at: '2030-06-30T00:00:00Z', successor: '/v2/orders' }));
    const r = await proxy('/v1/orders');
    expect(r.status).toBe(200);
    expect(r.headers['deprecation']).toBe(`@${Date.parse('2030-01-01T00:00:00Z') / 1000}`);
    expect(r.headers['sunset']).toBe('Sun, 30 Jun 2030 00:00:00 GMT');
    expect(r.headers['link']).toBe('</v2/orders>; rel="successor-version"');
    // Denials carry them too.
    const denied = await proxy('/v1/orders', 'sluice_wrong');
    expect(denied.status).toBe(401);
    expect(denied.headers['sunset']).toBe('Sun, 30 Jun 2030 00:00:00 GMT');
    const other = await bob.ok<{ key: string }>(bob.post('/portal/applications', { id: 'late' }), 201);
    expect(other.key).toBeTruthy();
    expectGolden('management/admin-409-invalid-state', await bob.post('/portal/apis/orders-v1/subscriptions', { application: 'late', reason: 'please' }));
  });

  it('a retired API answers 410 api.retired with the envelope', async () => {
    await alice.ok(alice.post('/apis/orders-v1/retire', {}));
    const before = up.seen.length;
    const r = await proxy('/v1/orders');
    expectGolden('management/api-lifecycle-410-retired-managed', r);
    expect(up.seen.length).toBe(before);
    expect((await bob.ok<{ items: { id: string }[] }>(bob.get('/portal/apis'))).items.map((a) => a.id)).not.toContain('orders-v1');
  });

  it('the audit log has every write with who and before/after, filtered and paginated', async () => {
    const page = await alice.ok<{ items: { action: string; actor: { name: string }; before?: { state: string }; after?: { state: string } }[]; next: string }>(alice.get('/audit?action=subscription.*&limit=2'));
    expect(page.items).toHaveLength(2);
    expect(page.next).toBeTruthy();
    const rest = await alice.ok<{ items: { action: string }[] }>(alice.get(`/audit?action=subscription.*&limit=50&before=${page.next}`));
    const actions = [...page.items, ...rest.items].map((e) => e.action);
    // The API's team sees the decisions; the requests belong to the consumer's team.
    expect(actions).toEqual(['subscription.reject', 'subscription.approve', 'subscription.revoke', 'subscription.approve']);
    const revoke = page.items.concat(rest.items as typeof page.items).find((e) => e.action === 'subscription.revoke')!;
    expect(revoke).toMatchObject({ actor: { name: 'alice@example.com (token test)' }, before: { state: 'approved' }, after: { state: 'revoked' } });
    // A developer sees their own team's entries only.
    const theirs = await bob.ok<{ items: { team: string; action: string }[] }>(bob.get('/audit'));
    expect(new Set(theirs.items.map((e) => e.team))).toEqual(new Set(['web']));
    expect(theirs.items.filter((e) => e.action === 'subscription.request')).toHaveLength(2);
    expect((await eve.get('/audit?team=payments')).status).toBe(404);
    // Key values never reach the audit log.
    expect(JSON.stringify(await root.ok(root.get('/audit?limit=500')))).not.toContain(key);
  });

  it('my usage: requests and denials per application and API, from the analytics', async () => {
    const u = await bob.ok<{ source: string; applications: { application: string; totals: { requests: number; denied: number }; by_api: { api: string; requests: number }[] }[] }>(bob.get('/portal/usage?application=shop'));
    expect(u.source).toBe('analytics');
    const shop = u.applications[0]!;
    expect(shop.application).toBe('shop');
    // pending, /42, revoked, approved again, /stats, deprecated (the retired API answers before key-auth: no consumer).
    expect(shop.totals).toMatchObject({ requests: 6, denied: 2 });
    expect(shop.by_api.find((a) => a.api === 'orders-v1')?.requests).toBe(shop.totals.requests);
    expect((await bob.get('/portal/usage?application=nope')).status).toBe(404);
  });
});
