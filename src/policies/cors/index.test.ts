import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type SimpleResponse, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../test-support/upstream.js';
import { compileContext, request } from '../_auth/testing.js';
import { hashKey } from '../key-auth/index.js';
import { cors } from './index.js';
import type { CorsConfig } from './schema.js';

const compile = (config: CorsConfig) => cors.compile(config, compileContext());
const preflight = (origin: string, method: string, headers?: string) => ({
  method: 'OPTIONS',
  headers: { origin, 'access-control-request-method': method, ...(headers ? { 'access-control-request-headers': headers } : {}) },
});

describe('cors decision logic', () => {
  const p = compile({ origins: ['https://app.example.com', 'https://*.example.org', 'null'], origin_patterns: ['https://pr-\\d+\\.preview\\.example\\.net'], headers: ['content-type', 'x-api-key'] });

  it('matches exact origins (case and default port normalised), one-or-more-label wildcards and whole-string patterns', () => {
    const by = (origin: string) => {
      const d = p.evaluate(request({ headers: { origin } }));
      return 'outcome' in d ? [d.outcome, d.data?.['matched']] : undefined;
    };
    expect(by('https://app.example.com')).toEqual(['allow', 'exact']);
    expect(by('HTTPS://APP.EXAMPLE.COM')).toEqual(['allow', 'exact']);
    expect(by('https://a.example.org')).toEqual(['allow', 'wildcard']);
    expect(by('https://a.b.example.org')).toEqual(['allow', 'wildcard']);
    expect(by('https://example.org')).toEqual(['deny', undefined]);
    expect(by('https://evilexample.org')).toEqual(['deny', undefined]);
    expect(by('http://a.example.org')).toEqual(['deny', undefined]);
    expect(by('https://pr-42.preview.example.net')).toEqual(['allow', 'pattern']);
    expect(by('https://pr-42.preview.example.net.evil.com')).toEqual(['deny', undefined]);
    expect(by('null')).toEqual(['allow', 'exact']);
  });

  it('answers a preflight itself with 204 and the Access-Control-Allow-* headers', () => {
    const d = p.evaluate(request(preflight('https://app.example.com', 'PUT', 'Content-Type, X-Api-Key')));
    expect(d).toMatchObject({
      outcome: 'respond',
      code: 'cors.preflight',
      headers: {
        'access-control-allow-origin': 'https://app.example.com',
        'access-control-allow-methods': 'GET, HEAD, PUT, PATCH, POST, DELETE',
        'access-control-allow-headers': 'content-type, x-api-key',
        vary: 'Origin, Access-Control-Request-Method',
      },
      data: { origin: 'https://app.example.com', preflight: true, method: 'PUT', headers: ['content-type', 'x-api-key'] },
    });
  });

  it('refuses a preflight for a method or header that is not allowed, naming them', () => {
    const strict = compile({ origins: ['https://app.example.com'], methods: ['GET', 'PUT'], headers: ['content-type'] });
    expect(strict.evaluate(request(preflight('https://app.example.com', 'DELETE')))).toMatchObject({ outcome: 'deny', code: 'cors.method_not_allowed', detail: 'Method DELETE is not allowed for cross-origin requests; allowed: GET, PUT.' });
    // Safelisted methods never need permission.
    expect(strict.evaluate(request(preflight('https://app.example.com', 'POST')))).toMatchObject({ outcome: 'respond' });
    expect(strict.evaluate(request(preflight('https://app.example.com', 'PUT', 'content-type, x-secret, x-other')))).toMatchObject({
      outcome: 'deny',
      code: 'cors.header_not_allowed',
      detail: 'Request headers x-secret, x-other not allowed for cross-origin requests.',
      data: { refused: ['x-secret', 'x-other'] },
    });
  });

  it('mirrors requested headers when `headers` is absent or "*"', () => {
    for (const headers of [undefined, ['*']]) {
      const d = compile({ origins: ['https://app.example.com'], ...(headers ? { headers } : {}) }).evaluate(request(preflight('https://app.example.com', 'PATCH', 'x-anything')));
      expect(d).toMatchObject({ outcome: 'respond', headers: { 'access-control-allow-headers': 'x-anything', vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers' } });
    }
  });

  it('credentials: echoes the origin, never "*", and sends Allow-Credentials; "*" with credentials is refused at config time', () => {
    const d = compile({ origins: ['https://app.example.com'], credentials: true, max_age: 600 }).evaluate(request(preflight('https://app.example.com', 'GET')));
    expect(d).toMatchObject({ headers: { 'access-control-allow-origin': 'https://app.example.com', 'access-control-allow-credentials': 'true', 'access-control-max-age': '600' } });
    expect(() => compile({ origins: ['*'], credentials: true })).toThrow(/origins: "\*" cannot be combined with credentials: true/);
    expect(() => compile({ origins: ['https://a.example'], credentials: true, exposed_headers: ['*'] })).toThrow(/exposed_headers/);
  });

  it('"*" without credentials answers "*" and needs no Vary: Origin', () => {
    const d = compile({ origins: ['*'] }).evaluate(request(preflight('https://anyone.example', 'GET')));
    expect(d).toMatchObject({ headers: { 'access-control-allow-origin': '*', vary: 'Access-Control-Request-Method, Access-Control-Request-Headers' } });
  });

  it('skips requests without Origin and same-origin requests', () => {
    expect(p.evaluate(request())).toMatchObject({ outcome: 'skip' });
    const same = request({ headers: { origin: 'http://api.local:8080' } });
    Object.defineProperty(same, 'host', { value: 'api.local:8080' });
    expect(p.evaluate(same)).toMatchObject({ outcome: 'skip', detail: 'same-origin request (Origin matches Host)' });
  });

  it('refuses origins that are not origins and broken patterns, naming the field', () => {
    expect(() => compile({ origins: ['https://ok.example', 'https://bad.example/path'] })).toThrow(/origins\[1\]: "https:\/\/bad.example\/path" is not an origin/);
    expect(() => compile({ origins: ['https://ok.example'], origin_patterns: ['(unclosed'] })).toThrow(/origin_patterns\[0\]: is not a valid regular expression/);
  });
});

describe('cors through the gateway', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  const APP = 'https://app.example.com';

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      consumers: [{ id: 'alice', credentials: [{ id: 'alice-key', type: 'key-auth', key_hash: hashKey('alice-key-0001') }] }],
      routes: [
        {
          id: 'api',
          service: 'svc',
          paths: ['/api'],
          policies: [
            { name: 'cors', config: { origins: [APP, 'https://*.partner.example'], origin_patterns: ['https://pr-\\d+\\.preview\\.example\\.net'], methods: ['GET', 'PUT', 'DELETE'], headers: ['content-type', 'x-api-key'], exposed_headers: ['x-request-id', 'retry-after'], credentials: true, max_age: 600 } },
            { name: 'key-auth' },
          ],
        },
        { id: 'trial', service: 'svc', paths: ['/trial'], policies: [{ name: 'cors', mode: 'shadow', config: { origins: [APP] } }] },
        { id: 'reports', service: 'svc', paths: ['/reports'], methods: ['GET', 'PUT'], policies: [{ name: 'cors', config: { origins: [APP], methods: ['GET', 'PUT'] } }] },
        { id: 'passthrough', service: 'svc', paths: ['/passthrough'], methods: ['GET'], policies: [{ name: 'cors', config: { origins: [APP], preflight_continue: true } }] },
        { id: 'plain', service: 'svc', paths: ['/plain'], methods: ['GET'] },
        { id: 'trial-limited', service: 'svc', paths: ['/trial-limited'], methods: ['GET'], policies: [{ name: 'cors', mode: 'shadow', config: { origins: [APP] } }] },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const trace = async (r: SimpleResponse) =>
    (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ entries: { policy?: { name: string }; outcome: string; code?: string; enforced?: boolean; data?: Record<string, unknown> }[] }>();
  const entry = async (r: SimpleResponse) => (await trace(r)).entries.find((e) => e.policy?.name === 'cors');

  it('answers a preflight with 204 at the gateway, before authentication, without forwarding it', async () => {
    const before = up.seen.length;
    const r = await call(`${gw.url}/api`, preflight(APP, 'PUT', 'content-type, x-api-key'));
    expectGolden('policies/cors-204-preflight', r);
    expect(r.status).toBe(204);
    expect(up.seen.length).toBe(before);
    expect(await entry(r)).toMatchObject({ outcome: 'respond', code: 'cors.preflight', data: { origin: APP, matched: 'exact', method: 'PUT' } });
  });

  it('a route limited to other methods still gets its preflight answered by its cors policy (not 405)', async () => {
    const before = up.seen.length;
    const r = await call(`${gw.url}/reports`, preflight(APP, 'PUT'));
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe(APP);
    expect(r.headers['access-control-allow-methods']).toContain('PUT');
    expect(up.seen.length).toBe(before);
    expect(await entry(r)).toMatchObject({ outcome: 'respond', code: 'cors.preflight' });
    // Only a preflight: a bare OPTIONS is still a method the route does not take.
    const bare = await call(`${gw.url}/reports`, { method: 'OPTIONS' });
    expect(bare.status).toBe(405);
    expect(bare.headers['allow']).toBe('GET, PUT');
    // No policy answers preflights there (none, one that forwards them, or one in shadow mode, which
    // must not change what the client gets): 405 as before.
    for (const path of ['/plain', '/passthrough', '/trial-limited']) {
      const r405 = await call(`${gw.url}${path}`, preflight(APP, 'GET'));
      expect(r405.status).toBe(405);
      expect(r405.json<{ code: string }>().code).toBe('route.method_not_allowed');
    }
    expect(up.seen.length).toBe(before);
  });

  it('403 cors.origin_not_allowed names the origin in the detail and the trace, with no CORS headers', async () => {
    const r = await call(`${gw.url}/api`, { headers: { origin: 'https://evil.example' } });
    expectGolden('policies/cors-403-origin-not-allowed', r);
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
    expect(await entry(r)).toMatchObject({ outcome: 'deny', code: 'cors.origin_not_allowed', data: { origin: 'https://evil.example', preflight: false } });
  });

  it('a preflight from a disallowed origin is refused too (the page learns nothing)', async () => {
    const r = await call(`${gw.url}/api`, preflight('https://evil.example', 'GET'));
    expectGolden('policies/cors-403-preflight-origin-not-allowed', r);
    expect(await entry(r)).toMatchObject({ code: 'cors.origin_not_allowed', data: { origin: 'https://evil.example', preflight: true } });
  });

  it('403 cors.method_not_allowed and cors.header_not_allowed, with CORS headers so the page can read why', async () => {
    const m = await call(`${gw.url}/api`, preflight(APP, 'PATCH'));
    expectGolden('policies/cors-403-method-not-allowed', m);
    expect(await entry(m)).toMatchObject({ code: 'cors.method_not_allowed', data: { method: 'PATCH', allowed: ['GET', 'PUT', 'DELETE'] } });
    const h = await call(`${gw.url}/api`, preflight(APP, 'PUT', 'x-forbidden'));
    expectGolden('policies/cors-403-header-not-allowed', h);
    expect(await entry(h)).toMatchObject({ code: 'cors.header_not_allowed', data: { refused: ['x-forbidden'] } });
  });

  it('adds CORS headers to a later policy\'s denial (a 401 from key-auth is readable by the page)', async () => {
    const r = await call(`${gw.url}/api`, { headers: { origin: 'https://shop.partner.example' } });
    expectGolden('policies/cors-401-key-auth-with-cors-headers', r);
    expect(r.headers).toMatchObject({ 'access-control-allow-origin': 'https://shop.partner.example', 'access-control-allow-credentials': 'true', 'access-control-expose-headers': 'x-request-id, retry-after', vary: 'Origin' });
    expect(await entry(r)).toMatchObject({ outcome: 'allow', data: { origin: 'https://shop.partner.example', matched: 'wildcard', entry: 'https://*.partner.example' } });
  });

  it('a pattern-matched origin is allowed on a preflight', async () => {
    const r = await call(`${gw.url}/api`, preflight('https://pr-7.preview.example.net', 'DELETE'));
    expect(r.status).toBe(204);
    expect(r.headers['access-control-allow-origin']).toBe('https://pr-7.preview.example.net');
  });

  it('shadow mode: a disallowed origin is recorded as a would-be denial and forwarded; a preflight is forwarded too', async () => {
    const before = up.seen.length;
    const r = await call(`${gw.url}/trial`, { headers: { origin: 'https://evil.example' } });
    expect(r.status).toBe(200);
    expect(await entry(r)).toMatchObject({ outcome: 'deny', code: 'cors.origin_not_allowed', enforced: false });
    const p = await call(`${gw.url}/trial`, preflight(APP, 'GET'));
    expect(p.status).toBe(200);
    expect(await entry(p)).toMatchObject({ outcome: 'respond', code: 'cors.preflight', enforced: false });
    expect(up.seen.length).toBe(before + 2);
  });

  it('the simulator explains each cors code', async () => {
    const sim = async (input: Record<string, unknown>) =>
      (await call(`${gw.admin}/simulate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ path: '/api', ...input }) })).json<{ outcome: string; response: { status: number; body: unknown }; trace: { code?: string; decidedBy?: { name: string } } }>();
    expect(await sim({ method: 'OPTIONS', headers: preflight(APP, 'PUT').headers })).toMatchObject({ outcome: 'answered', response: { status: 204 }, trace: { code: 'cors.preflight', decidedBy: { name: 'cors' } } });
    expect(await sim({ method: 'GET', headers: { origin: 'https://evil.example' } })).toMatchObject({ outcome: 'denied', response: { status: 403, body: { code: 'cors.origin_not_allowed' } } });
    expect(await sim({ method: 'OPTIONS', headers: preflight(APP, 'PATCH').headers })).toMatchObject({ response: { status: 403, body: { code: 'cors.method_not_allowed' } } });
    expect(await sim({ method: 'OPTIONS', headers: preflight(APP, 'GET', 'x-nope').headers })).toMatchObject({ response: { status: 403, body: { code: 'cors.header_not_allowed' } } });
  });
});
