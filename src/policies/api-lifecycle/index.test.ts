import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../test-support/upstream.js';
import { deprecationHeader, sunsetHeader } from './index.js';

describe('api-lifecycle headers', () => {
  it('Deprecation is an RFC 9651 date, Sunset an IMF-fixdate', () => {
    expect(deprecationHeader('2030-01-01T00:00:00Z')).toBe('@1893456000');
    expect(sunsetHeader('2030-06-30T00:00:00Z')).toBe('Sun, 30 Jun 2030 00:00:00 GMT');
  });
});

describe('api-lifecycle through a gateway', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    const lifecycle = (api: string, state: string, extra: Record<string, unknown> = {}) => ({ name: 'api-lifecycle', config: { api, state, deprecated_at: '2030-01-01T00:00:00Z', sunset_at: '2030-06-30T00:00:00Z', ...extra } });
    gw = await startGateway({
      services: [
        { id: 'orders-v1', upstream: { targets: [up.url] }, policies: [lifecycle('orders-v1', 'deprecated', { link: 'https://docs.example.com/orders-v1-sunset', successor: '/v2/orders' })] },
        { id: 'orders-v0', upstream: { targets: [up.url] }, policies: [lifecycle('orders-v0', 'retired', { deprecated_at: '2024-01-01T00:00:00Z', sunset_at: '2024-06-30T00:00:00Z', successor: '/v2/orders' })] },
      ],
      routes: [
        { id: 'v1', service: 'orders-v1', paths: ['/v1/orders'], methods: ['GET'] },
        { id: 'v1-admin', service: 'orders-v1', paths: ['/v1/admin'], policies: [{ name: 'subscription', config: { api: 'orders-v1' } }] },
        { id: 'v0', service: 'orders-v0', paths: ['/v0/orders'] },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('a deprecated API answers normally, with Deprecation, Sunset and Link headers', async () => {
    const r = await call(`${gw.url}/v1/orders`);
    expect(r.status).toBe(200);
    expect(r.headers['deprecation']).toBe('@1893456000');
    expect(r.headers['sunset']).toBe('Sun, 30 Jun 2030 00:00:00 GMT');
    expect(r.headers['link']).toBe('<https://docs.example.com/orders-v1-sunset>; rel="deprecation"; type="text/html", </v2/orders>; rel="successor-version"');
    expect(r.headers['x-upstream']).toBe('test');
  });

  it('the headers are on the gateway\'s own denials too', async () => {
    const r = await call(`${gw.url}/v1/admin`);
    expectGolden('management/api-lifecycle-403-deprecated-denial', r);
  });

  it('a retired API answers 410 api.retired with the envelope, Sunset and successor, before the upstream', async () => {
    const before = up.seen.length;
    const r = await call(`${gw.url}/v0/orders/7`);
    expectGolden('management/api-lifecycle-410-retired', r);
    expect(up.seen.length).toBe(before);
  });

  it('refuses an invalid time naming the field', async () => {
    const bad = { services: [{ id: 's', upstream: { targets: [up.url] }, policies: [{ name: 'api-lifecycle', config: { api: 's', state: 'deprecated', deprecated_at: 'tomorrow' } }] }] };
    const r = await call(`${gw.admin}/config/validate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bad) });
    expect(r.status).toBe(422);
    expect(r.json<{ errors: { path: string }[] }>().errors[0]?.path).toBe('services[0].policies[0].config.deprecated_at');
  });
});
