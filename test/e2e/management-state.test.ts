import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYaml } from '../../src/config/yaml.js';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { expectGolden } from '../../src/test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';
import { AdminClient, PASSWORD } from './management-client.js';

type State = Record<string, unknown> & { management?: Record<string, Record<string, unknown>[]> };

/** The whole state as one file: export, plan, apply — idempotent, secret-free, portable to another Sluice. */
describe('declarative state: export and apply', () => {
  let up: TestUpstream;
  let hooks: TestUpstream;
  let a: TestGateway;
  let b: TestGateway;
  let adminA: AdminClient;
  let adminB: AdminClient;
  let key = '';
  let exported: State;

  beforeAll(async () => {
    up = await startUpstream();
    hooks = await startUpstream();
    [a, b] = await Promise.all([startGateway(), startGateway()]);
    adminA = new AdminClient(a.admin);
    adminB = new AdminClient(b.admin);
    // The operator's own config, next to what the management plane generates.
    await adminA.ok(adminA.put('/config', { services: [{ id: 'legacy', upstream: { targets: [up.url] } }], routes: [{ id: 'legacy', service: 'legacy', paths: ['/legacy'] }], policies: [{ name: 'request-size', config: { max: 1024 } }] }));
    await adminA.ok(adminA.post('/users', { email: 'alice@example.com', name: 'Alice', password: PASSWORD }), 201);
    await adminA.ok(adminA.post('/teams', { id: 'payments', name: 'Payments' }), 201);
    await adminA.ok(adminA.post('/teams', { id: 'web', name: 'Web', description: 'The shop' }), 201);
    await adminA.ok(adminA.put('/teams/payments/members/alice@example.com', { role: 'admin' }));
    await adminA.ok(adminA.post('/apis', { id: 'orders-v1', team: 'payments', name: 'Orders', version: 'v1', approval: 'manual', definition: { base_path: '/v1/orders', upstream: { targets: [up.url] }, policies: [{ name: 'key-auth' }], routes: [{ id: 'all', paths: ['/'] }] } }), 201);
    await adminA.ok(adminA.post('/apis/orders-v1/publish'));
    await adminA.ok(adminA.post('/apis', { id: 'orders-v2', team: 'payments', name: 'Orders', version: 'v2', approval: 'auto', definition: { base_path: '/v2/orders', upstream: { targets: [up.url] }, policies: [{ name: 'key-auth' }], routes: [{ id: 'all', paths: ['/'] }] } }), 201);
    await adminA.ok(adminA.post('/consumers', { id: 'shop', team: 'web', name: 'Shop', groups: ['gold'] }), 201);
    key = (await adminA.ok<{ secret: { key: string } }>(adminA.post('/consumers/shop/credentials', { type: 'key-auth', id: 'shop-key' }), 201)).secret.key;
    await adminA.ok(adminA.post('/consumers/shop/credentials', { type: 'basic-auth', id: 'shop-basic', username: 'shop', password: 'a basic password' }), 201);
    const sub = await adminA.ok<{ id: string }>(adminA.post('/subscriptions', { api: 'orders-v1', consumer: 'shop', reason: 'checkout' }), 201);
    await adminA.ok(adminA.post(`/subscriptions/${sub.id}/approve`, { comment: 'ok' }));
    await adminA.ok(adminA.post('/apis/orders-v1/deprecate', { deprecated_at: '2030-01-01T00:00:00Z', sunset_at: '2031-01-01T00:00:00Z' }));
    await adminA.ok(adminA.post('/webhooks', { team: 'payments', url: `${hooks.url}/h`, events: ['subscription.*'] }), 201);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await up.close();
    await hooks.close();
  });

  it('export: the operator\'s config document plus users, teams, APIs, consumers, subscriptions, webhooks — no secret', async () => {
    const r = await adminA.get('/state?format=yaml');
    expect(r.status).toBe(200);
    expect(r.headers['etag']).toMatch(/^"[0-9a-f]{20}"$/);
    exported = parse(r.text) as State;
    expect(exported['services']).toEqual([{ id: 'legacy', upstream: { targets: [up.url] } }]); // generated services are not in it
    expect(exported['policies']).toEqual([{ name: 'request-size', config: { max: 1024 } }]);
    const m = exported.management!;
    expect(m['users']).toEqual([{ email: 'alice@example.com', name: 'Alice' }]);
    expect(m['teams']).toEqual([{ id: 'payments', name: 'Payments', members: [{ user: 'alice@example.com', role: 'admin' }] }, { id: 'web', name: 'Web', description: 'The shop' }]);
    expect(m['apis']!.map((x) => [x['id'], x['state']])).toEqual([['orders-v1', 'deprecated'], ['orders-v2', 'draft']]);
    expect(m['apis']![0]!['deprecation']).toMatchObject({ deprecated_at: '2030-01-01T00:00:00Z', sunset_at: '2031-01-01T00:00:00Z' });
    expect(m['consumers']![0]!['credentials']).toEqual([
      { id: 'shop-basic', type: 'basic-auth', username: 'shop' },
      { id: 'shop-key', type: 'key-auth', key_hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), hint: `…${key.slice(-4)}` },
    ]);
    expect(m['subscriptions']).toEqual([{ api: 'orders-v1', consumer: 'shop', state: 'approved', reason: 'checkout', comment: 'ok' }]);
    expect(m['webhooks']).toEqual([{ team: 'payments', url: `${hooks.url}/h`, events: ['subscription.*'], active: true }]);
    for (const secret of [key, 'a basic password', 'scrypt$', 'whsec_', 'password']) expect(r.text).not.toContain(secret);
  });

  it('applying the export to the same Sluice changes nothing', async () => {
    const plan = await adminA.ok<{ lines: string[] }>(adminA.post('/state/plan', exported));
    expect(plan.lines).toEqual([]);
    const before = (await adminA.ok<{ config_version: number }>(adminA.get('/status'))).config_version;
    const r = await adminA.ok<{ changed: boolean; version: number }>(adminA.put('/state', exported));
    expect(r).toMatchObject({ changed: false, version: before });
  });

  it('applying it to an empty Sluice recreates everything; its export is the same file; keys keep working', async () => {
    const plan = await adminB.ok<{ lines: string[]; tag: string }>(adminB.req('POST', '/state/plan', toYaml(exported), { 'content-type': 'application/yaml' }));
    expect(plan.lines).toContain('+ management.apis.orders-v1: ' + JSON.stringify(exported.management!['apis']![0]).slice(0, 117) + '...');
    expect(plan.lines.some((l) => l.startsWith('+ config.services'))).toBe(true);
    const r = await adminB.ok<{ changed: boolean; secrets: { kind: string; owner: string; id: string; secret: Record<string, string> }[]; invitations: { email: string; reset_token: string }[] }>(adminB.put('/state', exported, { 'if-match': `"${plan.tag}"` }));
    expect(r.changed).toBe(true);
    // Generated again (never exported): the basic-auth password and the webhook secret, shown once.
    expect(r.secrets.map((s) => [s.kind, s.owner, s.id, Object.keys(s.secret)])).toEqual([
      ['webhook', 'payments', expect.stringMatching(/^whk_/), ['secret']],
      ['credential', 'shop', 'shop-basic', ['password']],
    ]);
    expect(r.invitations.map((i) => i.email)).toEqual(['alice@example.com']);
    const again = parse((await adminB.get('/state?format=yaml')).text) as State;
    expect(again).toEqual(exported);
    // Same key hash, same approved subscription, same deprecation headers.
    const res = await call(`${b.url}/v1/orders`, { headers: { 'x-api-key': key } });
    expect(res.status).toBe(200);
    expect(res.headers['sunset']).toBe('Wed, 01 Jan 2031 00:00:00 GMT');
    expect((await call(`${b.url}/legacy`)).status).toBe(200);
    // A second apply changes nothing.
    expect((await adminB.ok<{ changed: boolean }>(adminB.put('/state', exported))).changed).toBe(false);
    const audit = await adminB.ok<{ items: { action: string }[] }>(adminB.get('/audit?action=state.apply'));
    expect(audit.items).toHaveLength(1);
  });

  it('apply shows a plan of exactly what changes: sections in the file are authoritative, absent ones stay', async () => {
    const m = structuredClone(exported.management!);
    m['apis']![1]!['description'] = 'Orders, second edition';
    m['consumers'] = [...m['consumers']!, { id: 'crm', team: 'web', credentials: [{ id: 'crm-key', type: 'key-auth' }] }];
    m['subscriptions'] = [...m['subscriptions']!, { api: 'orders-v1', consumer: 'crm', state: 'pending', reason: 'reports' }];
    m['teams'] = [...m['teams']!, { id: 'ops', name: 'Ops' }];
    delete m['webhooks'];
    const desired: State = { ...exported, management: m };
    const plan = await adminB.ok<{ lines: string[] }>(adminB.post('/state/plan', desired));
    expect(plan.lines).toEqual([
      '+ management.teams.ops: {"id":"ops","name":"Ops"}',
      '+ management.apis.orders-v2.description: "Orders, second edition"',
      '+ management.consumers.crm: {"id":"crm","team":"web","credentials":[{"id":"crm-key","type":"key-auth"}]}',
      '+ management.subscriptions.crm → orders-v1: {"api":"orders-v1","consumer":"crm","state":"pending","reason":"reports"}',
    ]);
    const r = await adminB.ok<{ secrets: { id: string; secret: { key: string } }[] }>(adminB.put('/state', desired));
    const crmKey = r.secrets.find((s) => s.id === 'crm-key')!.secret.key;
    expect((await call(`${b.url}/v1/orders`, { headers: { 'x-api-key': crmKey } })).json()).toMatchObject({ code: 'subscription.pending' });
    // The webhook section was absent: the webhook stays.
    expect((await adminB.ok<{ items: unknown[] }>(adminB.get('/webhooks'))).items).toHaveLength(1);
    // Idempotent: the generated key is kept on the next apply of the same file.
    expect((await adminB.ok<{ lines: string[] }>(adminB.post('/state/plan', desired))).lines).toEqual([]);
    // Removing from an authoritative section removes it.
    const fewer: State = { ...desired, management: { ...m, consumers: m['consumers'].filter((c) => c['id'] !== 'crm'), subscriptions: m['subscriptions'].filter((s) => s['consumer'] !== 'crm') } };
    expect((await adminB.ok<{ lines: string[] }>(adminB.post('/state/plan', fewer))).lines).toEqual(['- management.consumers.crm', '- management.subscriptions.crm → orders-v1']);
    await adminB.ok(adminB.put('/state', fewer));
    expect((await adminB.get('/consumers/crm')).status).toBe(404);
  });

  it('a stale If-Match, a file naming nothing that exists, or a bad field is refused whole', async () => {
    const stale = await adminB.put('/state', exported, { 'if-match': '"0123456789abcdef0123"' });
    expect(stale.json()).toMatchObject({ status: 412, code: 'admin.precondition_failed' });
    const bad = structuredClone(exported);
    bad.management!['apis']![0]!['team'] = 'nope';
    expectGolden('management/admin-400-state-unknown-team', await adminB.put('/state', bad));
    const wrongType = structuredClone(exported);
    wrongType.management!['subscriptions']![0]!['state'] = 'maybe';
    const r = await adminB.put('/state', wrongType);
    expect(r.json()).toMatchObject({ status: 400, code: 'admin.invalid_request', errors: [{ path: 'body.management.subscriptions[0].state', message: 'must be one of "pending", "approved", "rejected", "revoked"' }] });
    const broken = { ...exported, routes: [{ id: 'x', service: 'missing', paths: ['/x'] }] };
    expect((await adminB.put('/state', broken)).json()).toMatchObject({ status: 422, code: 'admin.invalid_config', errors: [{ path: 'routes[0].service' }] });
    // Nothing of the refused files was applied.
    expect(parse((await adminB.get('/state?format=yaml')).text)).toMatchObject({ routes: exported['routes'] });
  });
});
