import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, call, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../test-support/upstream.js';

describe('ip-restriction', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      gateway: { trusted_proxies: ['127.0.0.1'] },
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      routes: [
        { id: 'open', service: 'svc', paths: ['/open'], policies: [{ name: 'ip-restriction', enabled: false }] },
        { id: 'internal', service: 'svc', paths: ['/internal'], policies: [{ name: 'ip-restriction', config: { allow: ['10.0.0.0/8', '2001:db8::/32'] } }] },
        { id: 'peer', service: 'svc', paths: ['/peer'], policies: [{ name: 'ip-restriction', config: { deny: ['127.0.0.0/8'], source: 'peer' } }] },
        { id: 'sized', service: 'svc', paths: ['/sized'], policies: [{ name: 'request-size', config: { max: 1 } }] },
      ],
      policies: [{ name: 'ip-restriction', config: { deny: ['203.0.113.0/24'] } }],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const from = (xff: string) => ({ 'x-forwarded-for': xff });

  it('denies an address in the global deny list (via trusted X-Forwarded-For), naming the matched entry in the trace', async () => {
    const r = await call(`${gw.url}/sized`, { headers: from('203.0.113.9') });
    expectGolden('policies/ip-restriction-403-denied', r);
    const trace = (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ entries: { code?: string; data?: unknown }[] }>();
    expect(trace.entries.find((e) => e.code === 'ip.denied')?.data).toEqual({ address: '203.0.113.9', matched: '203.0.113.0/24', list: 'deny' });
  });

  it('a route-level policy of the same name replaces the global one (most specific wins), and the trace says so', async () => {
    const r = await call(`${gw.url}/internal`, { headers: from('203.0.113.9') });
    expect(r.json()).toMatchObject({ code: 'ip.not_allowed', policy: { id: 'route:internal:ip-restriction', scope: 'route' } });
    const trace = (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ entries: { code?: string; detail?: string }[] }>();
    expect(trace.entries.find((e) => e.code === 'policy.overridden')?.detail).toBe('overridden by route policy route:internal:ip-restriction');
  });

  it('refuses an address outside the allow list, accepts IPv4 and IPv6 inside it', async () => {
    expectGolden('policies/ip-restriction-403-not-allowed', await call(`${gw.url}/internal`, { headers: from('198.51.100.1') }));
    expect((await call(`${gw.url}/internal`, { headers: from('10.2.3.4') })).status).toBe(200);
    expect((await call(`${gw.url}/internal`, { headers: from('2001:db8::42') })).status).toBe(200);
  });

  it('a banned IP is refused before a size check (guard order: ip first)', async () => {
    const r = await call(`${gw.url}/sized`, { method: 'POST', body: 'too big', headers: from('203.0.113.1') });
    expect(r.json()).toMatchObject({ code: 'ip.denied', policy: { id: 'global:ip-restriction' } });
  });

  it('enabled: false at the route switches the global policy off', async () => {
    expect((await call(`${gw.url}/open`, { headers: from('203.0.113.9') })).status).toBe(200);
  });

  it('source: peer ignores X-Forwarded-For', async () => {
    const r = await call(`${gw.url}/peer`, { headers: from('10.0.0.1') });
    expect(r.json()).toMatchObject({ status: 403, code: 'ip.denied', detail: 'Client address 127.0.0.1 is not permitted.' });
  });

  it('the simulator explains the same denial without sending anything', async () => {
    const before = up.seen.length;
    const r = await call(`${gw.admin}/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'GET', path: '/internal', ip: '198.51.100.1' }),
    });
    const sim = r.json<{ outcome: string; response: { status: number; body: { code: string } }; trace: { decidedBy: { id: string } } }>();
    expect(sim.outcome).toBe('denied');
    expect(sim.response.status).toBe(403);
    expect(sim.response.body.code).toBe('ip.not_allowed');
    expect(sim.trace.decidedBy.id).toBe('route:internal:ip-restriction');
    expect(up.seen.length).toBe(before);
  });

  it('refuses invalid CIDRs at config time with the exact field', async () => {
    const bad = await call(`${gw.admin}/config/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ policies: [{ name: 'ip-restriction', config: { allow: ['10.0.0.0/8', '10.0.0.0/40'] } }] }),
    });
    expect(bad.status).toBe(422);
    expect(bad.json<{ errors: unknown }>().errors).toEqual([{ path: 'policies[0].config.allow[1]', message: '"10.0.0.0/40" has an invalid prefix length (0-32)' }]);
  });
});
