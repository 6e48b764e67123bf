import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { managementFor } from '../../src/management/plane.js';
import { call, startGateway, type SimpleResponse, type TestGateway } from '../../src/test-support/gateway.js';
import { expectGolden } from '../../src/test-support/golden.js';
import { consumer } from '../../src/test-support/llm-mocks/helpers.js';
import { rawRequest } from '../../src/test-support/raw-http.js';
import { closedPort, startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';

/**
 * Call logs end to end: real gateway, real upstream, real store (SQLite), queried through the admin API.
 * Every request — allowed, denied, failed — is one record with its decision trace.
 */
const KEY = 'sluice_test_alice_0123456789abcdef';
const BOB_KEY = 'sluice_test_bob_0123456789abcdef';

type Log = Record<string, unknown> & { request_id: string; status: number; code: string | null; timings: Record<string, number | null>; trace?: { entries: { policy?: { id: string }; step?: string; outcome: string; code?: string }[] } };

async function logOf(admin: string, id: string | string[] | undefined): Promise<Log> {
  if (typeof id !== 'string') throw new Error('no request id');
  for (let i = 0; i < 50; i++) {
    const r = await call(`${admin}/logs/${id}`);
    if (r.status === 200) return r.json<Log>();
    await new Promise((res) => setTimeout(res, 20));
  }
  throw new Error(`no call log for ${id}`);
}

async function list(admin: string, query: string): Promise<{ items: Log[]; next?: string; tail?: string }> {
  const r = await call(`${admin}/logs?${query}`);
  expect(r.status, r.text).toBe(200);
  return r.json();
}

describe('call logs through the admin API', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  const ids: Record<string, string> = {};
  let t0: number;

  beforeAll(async () => {
    up = await startUpstream();
    const refused = await closedPort();
    gw = await startGateway({
      services: [
        { id: 'orders-svc', upstream: { targets: [up.url] }, tags: ['team:payments', 'api:orders'] },
        { id: 'down-svc', upstream: { targets: [`http://127.0.0.1:${refused}`], retries: { attempts: 0 } }, tags: ['team:ops'] },
      ],
      routes: [
        { id: 'orders', service: 'orders-svc', paths: ['/orders'], policies: [{ name: 'key-auth' }] },
        { id: 'down', service: 'down-svc', paths: ['/down'] },
      ],
      consumers: [consumer('alice', KEY), consumer('bob', BOB_KEY)],
      observability: { bodies: [{ routes: ['orders'], max_bytes: 200 }] },
    });
    t0 = Date.now();
    const send = async (name: string, path: string, init: Parameters<typeof call>[1] = {}): Promise<SimpleResponse> => {
      const r = await call(`${gw.url}${path}`, init);
      ids[name] = r.headers['x-request-id'] as string;
      return r;
    };
    expect((await send('missing', '/orders/1')).status).toBe(401);
    expect((await send('invalid', '/orders/1', { headers: { 'x-api-key': 'sluice_wrong_key_000000000000000' } })).status).toBe(401);
    expect((await send('allowed', '/orders/2?secret=qs', { headers: { 'x-api-key': KEY } })).status).toBe(200);
    expect((await send('posted', '/orders', { method: 'POST', headers: { 'x-api-key': BOB_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ item: 'book', password: 'hunter2', card: { cvv: '123' } }) })).status).toBe(200);
    expect((await send('failed', '/down')).status).toBe(502);
    expect((await send('unrouted', '/nowhere/50%25_off')).status).toBe(404);
    for (let i = 0; i < 30; i++) await send(`bulk${i}`, `/orders/bulk/${i}`, { headers: { 'x-api-key': i % 3 ? KEY : BOB_KEY } });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('finds a denied request by its request id, with its decision trace', async () => {
    const r = await logOf(gw.admin, ids['missing']);
    expect(r).toMatchObject({
      request_id: ids['missing'], status: 401, code: 'auth.key_missing', answered_by: 'gateway', decided_by: 'route:orders:key-auth',
      team: 'payments', api: 'orders', service: 'orders-svc', route: 'orders', consumer: null, credential: null, method: 'GET', path: '/orders/1', upstream: null, ai: null,
    });
    expect(r.timings['total_ms']).toBeGreaterThan(0);
    expect(r.timings['gateway_ms']).toBe(r.timings['total_ms']);
    const deny = r.trace!.entries.find((e) => e.outcome === 'deny');
    expect(deny).toMatchObject({ policy: { id: 'route:orders:key-auth' }, code: 'auth.key_missing' });
    expect(new Date(r['time'] as string).getTime()).toBeGreaterThanOrEqual(t0 - 1);
  });

  it('records an allowed request with consumer, credential id (never the key), timings and bytes', async () => {
    const r = await logOf(gw.admin, ids['allowed']);
    expect(r).toMatchObject({ status: 200, answered_by: 'upstream', code: null, consumer: 'alice', credential: 'alice-key', path: '/orders/2', upstream: { target: up.url, attempts: 1 } });
    expect(r['bytes_out']).toBeGreaterThan(0);
    const t = r.timings;
    expect(t['upstream_ms']).toBeGreaterThan(0);
    expect(t['upstream_first_byte_ms']).toBeGreaterThan(0);
    expect(t['upstream_connect_ms']).not.toBeNull();
    expect(t['gateway_ms']! + t['upstream_ms']!).toBeCloseTo(t['total_ms']!, 6);
    expect(JSON.stringify(r)).not.toContain(KEY);
    expect(r.trace).toMatchObject({ path: '/orders/2' }); // the query string (which may carry secrets) is not logged
  });

  it('records a denied wrong key and a failed upstream as gateway answers with their reason codes', async () => {
    expect(await logOf(gw.admin, ids['invalid'])).toMatchObject({ status: 401, code: 'auth.key_unknown', consumer: null });
    const failed = await logOf(gw.admin, ids['failed']);
    expect(failed).toMatchObject({ status: 502, code: 'upstream.connect_failed', answered_by: 'gateway', team: 'ops', api: 'down-svc', decided_by: null, upstream: { attempts: 1 } });
    expect(failed.trace!.entries.some((e) => e.step === 'upstream' && e.outcome === 'error' && e.code === 'upstream.connect_failed')).toBe(true);
    expect(await logOf(gw.admin, ids['unrouted'])).toMatchObject({ status: 404, code: 'route.not_found', route: null, team: null, api: null });
  });

  it('captures bodies where enabled, masked and size-capped', async () => {
    const r = await logOf(gw.admin, ids['posted']);
    const bodies = r['bodies'] as { request: string; response: string };
    expect(JSON.parse(bodies.request)).toEqual({ item: 'book', password: '***', card: { cvv: '***' } });
    expect(bodies.response).toContain('…[truncated:');
    expect(bodies.response.length).toBeLessThan(400);
    expect(JSON.stringify(r)).not.toContain('hunter2');
    // The stored trace keeps sizes only, never the bytes.
    expect(JSON.stringify(r.trace)).not.toContain('book');
    expect((await logOf(gw.admin, ids['failed']))['bodies']).toEqual({ request: null, response: null });
  });

  it('filters by status, reason code, denial, consumer, team, API, route, request id, free text and time', async () => {
    const ids4xx = (await list(gw.admin, 'status=4xx&limit=100')).items.map((r) => r.request_id).sort();
    expect(ids4xx).toEqual([ids['missing'], ids['invalid'], ids['unrouted']].sort());
    expect((await list(gw.admin, 'status=401')).items).toHaveLength(2);
    expect((await list(gw.admin, 'status=500-599')).items.map((r) => r.request_id)).toEqual([ids['failed']]);
    expect((await list(gw.admin, 'code=auth.key_unknown')).items.map((r) => r.request_id)).toEqual([ids['invalid']]);
    expect((await list(gw.admin, 'denied=true&limit=100')).items).toHaveLength(3);
    expect((await list(gw.admin, 'consumer=bob&limit=100')).items).toHaveLength(11);
    expect((await list(gw.admin, 'team=ops')).items.map((r) => r.request_id)).toEqual([ids['failed']]);
    expect((await list(gw.admin, 'api=orders&limit=100')).items).toHaveLength(34);
    expect((await list(gw.admin, 'route=orders&consumer=alice&limit=100')).items).toHaveLength(21);
    expect((await list(gw.admin, `request_id=${ids['posted']}`)).items).toHaveLength(1);
    expect((await list(gw.admin, 'q=BULK/1&limit=100')).items.map((r) => r['path']).sort()).toEqual(['/orders/bulk/1', ...Array.from({ length: 10 }, (_, i) => `/orders/bulk/1${i}`)].sort());
    // The path is logged as received (percent-encoded); `%` and `_` in the search are literal.
    expect((await list(gw.admin, `q=${encodeURIComponent('50%25_off')}`)).items.map((r) => r.request_id)).toEqual([ids['unrouted']]);
    expect((await list(gw.admin, `q=${encodeURIComponent('5_%')}`)).items).toEqual([]);
    expect((await list(gw.admin, `from=${Date.now() + 60_000}`)).items).toEqual([]);
    expect((await list(gw.admin, `from=1h&to=${new Date(Date.now() + 1000).toISOString()}&limit=1000`)).items).toHaveLength(36);
  });

  it('pages newest first with a cursor: every record exactly once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await list(gw.admin, `limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.items.map((r) => r.request_id));
      if (!page.next) break;
      cursor = page.next;
    }
    expect(seen).toHaveLength(36);
    expect(new Set(seen).size).toBe(36);
    const times = (await list(gw.admin, 'limit=1000')).items.map((r) => r['timestamp'] as number);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('follows from the tail cursor: only what comes next', async () => {
    const first = await list(gw.admin, 'limit=1');
    expect(first.tail).toBeDefined();
    const quiet = await list(gw.admin, `order=asc&cursor=${first.tail}`);
    expect(quiet.items).toEqual([]);
    expect(quiet.next).toBe(first.tail);
    const r = await call(`${gw.url}/orders/after`, { headers: { 'x-api-key': KEY } });
    const next = await list(gw.admin, `order=asc&cursor=${quiet.next}`);
    expect(next.items.map((x) => x.request_id)).toEqual([r.headers['x-request-id']]);
    expect((await list(gw.admin, `order=asc&cursor=${next.next}`)).items).toEqual([]);
  });

  it('refuses bad parameters naming the field (problem+json)', async () => {
    const bad = await call(`${gw.admin}/logs?cursor=bm9wZQ`);
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'admin.invalid_request', errors: [{ path: 'querystring.cursor' }] });
    expectGolden('observability/logs-400-invalid-cursor', bad);
    const typo = await call(`${gw.admin}/logs?consumr=alice`);
    expect(typo.status).toBe(400);
    expect(typo.json()).toMatchObject({ code: 'admin.invalid_request', errors: [{ path: 'querystring.consumr', message: 'unknown field' }] });
    const status = await call(`${gw.admin}/logs?status=4x`);
    expect(status.json()).toMatchObject({ status: 400, errors: [{ path: 'querystring.status' }] });
    expect((await call(`${gw.admin}/logs?from=yesterday`)).json()).toMatchObject({ status: 400, errors: [{ path: 'querystring.from' }] });
    expect((await call(`${gw.admin}/logs?limit=5000`)).json()).toMatchObject({ status: 400, errors: [{ path: 'querystring.limit' }] });
    const missing = await call(`${gw.admin}/logs/no-such-request`);
    expect(missing.status).toBe(404);
    expectGolden('observability/logs-404-unknown-request', missing);
  });

  it('is described in /openapi.json', async () => {
    const doc = (await call(`${gw.admin}/openapi.json`)).json<{ paths: Record<string, Record<string, { parameters?: { name: string }[] }>> }>();
    for (const p of ['/logs', '/logs/{requestId}', '/analytics/summary', '/analytics/series', '/analytics/top', '/metrics']) expect(doc.paths[p]?.['get'], p).toBeDefined();
    expect(doc.paths['/logs']!['get']!.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['from', 'to', 'status', 'code', 'consumer', 'api', 'route', 'model', 'request_id', 'q', 'cursor']));
  });

  describe('a team-scoped admin user', () => {
    const tokens: Record<string, string> = {};
    const as = async (who: string, path: string) => {
      const r = await call(`${gw.admin}${path}`, { headers: { authorization: `Bearer ${tokens[who]!}` } });
      return { status: r.status, json: () => r.json<Record<string, unknown> & { items: Log[] }>() };
    };

    // Real users and API tokens of the management plane: a viewer of team payments, and a global viewer.
    beforeAll(async () => {
      const plane = managementFor(gw.app);
      await plane.tables.teams.insert({ id: 'payments', name: 'Payments' });
      await plane.tables.teams.insert({ id: 'ops', name: 'Ops' });
      const pat = await plane.tables.users.insert({ id: 'usr_pat', email: 'pat@example.com' });
      await plane.tables.teams.setMember('payments', pat.id, 'viewer');
      const olga = await plane.tables.users.insert({ id: 'usr_olga', email: 'olga@example.com', role: 'viewer' });
      tokens['payments'] = (await plane.auth.createToken(pat.id, { name: 'logs' })).token;
      tokens['global'] = (await plane.auth.createToken(olga.id, { name: 'logs' })).token;
    });

    it('sees only their team\'s logs and analytics; metrics need a global role', async () => {
      const mine = await as('payments', '/logs?limit=1000');
      expect(mine.status).toBe(200);
      expect(mine.json().items.length).toBeGreaterThan(30);
      expect(mine.json().items.every((r) => r['team'] === 'payments')).toBe(true);
      expect((await as('global', '/logs?limit=1000')).json().items.some((r) => r['team'] === 'ops')).toBe(true);
      expect((await as('payments', `/logs/${ids['failed']!}`)).status).toBe(404);
      expect((await as('payments', `/logs/${ids['unrouted']!}`)).status).toBe(404);
      expect((await as('payments', `/logs/${ids['missing']!}`)).status).toBe(200);
      expect((await as('payments', '/logs?team=ops')).status).toBe(404);
      const sum = await as('payments', '/analytics/summary?from=1h');
      expect(sum.status).toBe(200);
      const all = await as('global', '/analytics/summary?from=1h');
      const requests = (r: { json: () => Record<string, unknown> }) => (r.json()['totals'] as { requests: number }).requests;
      expect(requests(sum)).toBe(requests(all) - 2); // the ops failure and the unrouted request are not theirs
      const top = await as('payments', '/analytics/top?from=1h&by=team');
      expect((top.json()['items'] as unknown as { key: string }[]).map((i) => i.key)).toEqual(['payments']);
      expect((await as('payments', '/metrics')).status).toBe(403);
      expect((await as('global', '/metrics')).status).toBe(200);
      expect((await call(`${gw.admin}/logs`, { headers: { authorization: 'Bearer sluice_pat_nope' } })).status).toBe(401);
    });
  });

  // Last: the crash loses the analytics the worker had not flushed yet (up to observability.analytics.flush_interval).
  it('answers 503 telemetry.unavailable while a crashed worker restarts, then serves again', async () => {
    // The worker thread dies (as on an out-of-memory crash); the client restarts it after a backoff.
    const client = (gw.app.telemetry as unknown as { worker: { worker?: { terminate(): Promise<number> } } }).worker;
    await client.worker!.terminate();
    const down = await call(`${gw.admin}/logs`);
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expectGolden('observability/logs-503-telemetry-unavailable', down);
    // Requests are served meanwhile; what they record while the worker is down is counted as dropped.
    expect((await call(`${gw.url}/orders/during-restart`, { headers: { 'x-api-key': KEY } })).status).toBe(200);
    let up = down;
    for (let i = 0; i < 200 && up.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 25));
      up = await call(`${gw.admin}/logs?limit=1000`);
    }
    expect(up.status).toBe(200);
    expect(up.json<{ items: unknown[] }>().items.length).toBeGreaterThanOrEqual(37);
    expect(gw.app.telemetry!.dropped).toBeLessThanOrEqual(1);
  });
});

describe('sluice explain beyond the memory ring', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      routes: [{ id: 'r', service: 'svc', paths: ['/r'] }],
      gateway: { trace_ring_size: 1 },
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('`/traces/:id` finds an allowed request that left the ring in the call logs', async () => {
    const first = (await call(`${gw.url}/r/1`)).headers['x-request-id'] as string;
    await call(`${gw.url}/r/2`); // the ring holds one trace: this one
    expect(gw.app.gateway.trace(first)).toBeUndefined();
    await logOf(gw.admin, first);
    const t = await call(`${gw.admin}/traces/${first}`);
    expect(t.status, t.text).toBe(200);
    expect(t.json()).toMatchObject({ requestId: first, path: '/r/1', status: 200, answeredBy: 'upstream', routeId: 'r', entries: [{ step: 'route' }, { step: 'upstream', outcome: 'allow' }] });
  });

  it('a request the HTTP parser refused is a call log too (400 and 431), with what of its request line could be read', async () => {
    const port = Number(new URL(gw.url).port);
    const garbage = await rawRequest(port, 'GARBAGE\r\n\r\n');
    expect(garbage.status).toBe(400);
    const big = await rawRequest(port, `GET /r/big?q=1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(big.status).toBe(431);
    const g = await logOf(gw.admin, garbage.headers['x-request-id']);
    expect(g).toMatchObject({ status: 400, code: 'request.malformed', answered_by: 'gateway', method: '-', path: '-', route: null, client_ip: '127.0.0.1' });
    expect(g.trace?.entries).toMatchObject([{ step: 'gateway', outcome: 'deny', code: 'request.malformed' }]);
    const b = await logOf(gw.admin, big.headers['x-request-id']);
    expect(b).toMatchObject({ status: 431, code: 'request.headers_too_large', method: 'GET', path: '/r/big?q=1' });
    // Its decision trace is served by request id, as for requests that reached the data plane.
    const t = await call(`${gw.admin}/traces/${String(big.headers['x-request-id'])}`);
    expect(t.json()).toMatchObject({ status: 431, code: 'request.headers_too_large', answeredBy: 'gateway' });
  });
});
