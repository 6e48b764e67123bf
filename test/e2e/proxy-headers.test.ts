import net from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';

/** Sends raw bytes and returns the raw response (for headers undici would not let us send). */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(text));
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('end', () => resolve(out));
    s.on('error', reject);
    setTimeout(() => s.end(), 500);
  });
}

describe('proxying: headers, paths, bodies', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream((req, res, body) => {
      if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/plain', connection: 'x-secret-hop', 'x-secret-hop': 'drop me', 'keep-alive': 'timeout=5', 'x-kept': 'yes' });
        res.write('first;');
        setTimeout(() => res.end('second'), 300);
        return;
      }
      const out = JSON.stringify({ url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, bytes: body.length });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(out);
    });
    gw = await startGateway({
      gateway: { trusted_proxies: ['10.0.0.0/8'] },
      services: [
        { id: 'svc', upstream: { targets: [up.url] } },
        { id: 'keep-host', upstream: { targets: [up.url], preserve_host: true } },
      ],
      routes: [
        { id: 'plain', service: 'svc', paths: ['/plain'] },
        { id: 'stream', service: 'svc', paths: ['/stream'], match: 'exact' },
        { id: 'strip', service: 'svc', paths: ['/api/v1'], strip_path: true },
        { id: 'rewrite', service: 'svc', paths: ['/users/:uid/orders/:oid'], rewrite: '/v2/orders/{oid}?user={uid}' },
        { id: 'rest', service: 'svc', paths: ['/files'], rewrite: '/storage/{*}' },
        { id: 'host', service: 'keep-host', paths: ['/host'] },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('removes hop-by-hop request headers (and those named by Connection), keeps end-to-end ones', async () => {
    const port = Number(new URL(gw.url).port);
    const res = await raw(
      port,
      'GET /plain HTTP/1.1\r\nHost: gw.test\r\nConnection: keep-alive, X-Hop\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Authorization: Basic eDp5\r\nUpgrade: h2c\r\nX-End: kept\r\n\r\n',
    );
    const body = JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4).replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, '')) as { headers: Record<string, string> };
    for (const h of ['x-hop', 'keep-alive', 'te', 'proxy-authorization', 'upgrade']) expect(body.headers[h], h).toBeUndefined();
    expect(body.headers['x-end']).toBe('kept');
  });

  it('sets X-Forwarded-*, the request id, and the target Host; an untrusted client cannot spoof X-Forwarded-For', async () => {
    const r = await call(`${gw.url}/plain?q=1`, { headers: { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'https', 'x-request-id': 'client-chosen' } });
    const seen = r.json<{ url: string; headers: Record<string, string> }>();
    const id = r.headers['x-request-id'] as string;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.url).toBe('/plain?q=1');
    expect(seen.headers['x-request-id']).toBe(id);
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-forwarded-host']).toBe(new URL(gw.url).host);
    expect(seen.headers['host']).toBe(new URL(up.url).host);
  });

  it('preserve_host forwards the client Host', async () => {
    const r = await call(`${gw.url}/host`, { headers: { host: 'api.example.com' } });
    expect(r.json<{ headers: Record<string, string> }>().headers['host']).toBe('api.example.com');
  });

  it('strips the matched prefix or rewrites from a template, keeping the query', async () => {
    expect((await call(`${gw.url}/api/v1/things/7?x=1`)).json<{ url: string }>().url).toBe('/things/7?x=1');
    expect((await call(`${gw.url}/api/v1`)).json<{ url: string }>().url).toBe('/');
    expect((await call(`${gw.url}/users/u%201/orders/99`)).json<{ url: string }>().url).toBe('/v2/orders/99?user=u%201');
    expect((await call(`${gw.url}/files/a/b%20c.txt?v=2`)).json<{ url: string }>().url).toBe('/storage/a/b%20c.txt?v=2');
  });

  it('streams the response: the first chunk arrives before the upstream finishes; hop-by-hop response headers dropped', async () => {
    const t0 = Date.now();
    const r = await request(`${gw.url}/stream`);
    expect(r.headers['x-kept']).toBe('yes');
    expect(r.headers['x-secret-hop']).toBeUndefined();
    const it = r.body[Symbol.asyncIterator]();
    const first = await it.next();
    const firstAt = Date.now() - t0;
    expect(Buffer.from(first.value as Buffer).toString()).toBe('first;');
    expect(firstAt).toBeLessThan(250);
    let rest = '';
    for (let n = await it.next(); !n.done; n = await it.next()) rest += Buffer.from(n.value as Buffer).toString();
    expect(rest).toBe('second');
  });

  it('streams large request bodies through without a policy buffering them', async () => {
    const size = 8 * 1024 * 1024;
    async function* gen() {
      const chunk = Buffer.alloc(64 * 1024, 97);
      for (let sent = 0; sent < size; sent += chunk.length) yield chunk;
    }
    const r = await request(`${gw.url}/plain`, { method: 'POST', body: Readable.from(gen()) });
    expect(((await r.body.json()) as { bytes: number }).bytes).toBe(size);
  });

  it('trusts X-Request-Id and X-Forwarded-For only from trusted proxies (checked in the simulator with a peer address)', async () => {
    const sim = await call(`${gw.admin}/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'GET', path: '/nowhere', ip: '10.1.2.3', headers: { 'x-forwarded-for': '198.51.100.4' } }),
    });
    expect(sim.json<{ trace: { clientIp: string } }>().trace.clientIp).toBe('198.51.100.4');
  });
});
