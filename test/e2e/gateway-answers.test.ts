import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { expectGolden } from '../../src/test-support/golden.js';
import { rawRequest } from '../../src/test-support/raw-http.js';
import { startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';

describe('responses the gateway itself produces', () => {
  let up: TestUpstream;
  let gw: TestGateway;
  let port: number;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      routes: [{ id: 'orders', service: 'svc', paths: ['/orders', '/orders/:id'], methods: ['GET', 'POST'] }],
    });
    port = Number(new URL(gw.url).port);
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('404 route.not_found', async () => {
    expectGolden('gateway/404-not-found', await call(`${gw.url}/nowhere`));
  });

  it('405 route.method_not_allowed with Allow', async () => {
    const r = await call(`${gw.url}/orders/7`, { method: 'DELETE' });
    expectGolden('gateway/405-method-not-allowed', r);
    expect(r.headers['allow']).toBe('GET, POST');
  });

  it('a denial before a small body is read keeps the connection; a large unread body closes it', async () => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    const until = (pred: () => boolean) =>
      new Promise<void>((resolve, reject) => {
        const t = setInterval(() => pred() && (clearInterval(t), resolve()), 5);
        s.once('error', (e) => (clearInterval(t), reject(e)));
      });
    const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    s.write(`DELETE /orders/7 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    await until(() => out.includes('"route.method_not_allowed"'));
    expect(out).not.toMatch(/^connection: close/im);
    s.write('GET /orders HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await new Promise((r) => s.once('close', r));
    expect(out.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 405', 'HTTP/1.1 200']);

    const big = await rawRequest(port, `DELETE /orders/7 HTTP/1.1\r\nHost: x\r\nContent-Length: ${1024 * 1024}\r\n\r\n${'x'.repeat(1000)}`);
    expect(big.status).toBe(405);
    expect(big.headers['connection']).toBe('close');
  });

  it('400 request.invalid_path for dot segments (never forwarded)', async () => {
    const before = up.seen.length;
    expectGolden('gateway/400-invalid-path', await rawRequest(port, 'GET /orders/../admin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    expectGolden('gateway/400-invalid-path-encoded', await rawRequest(port, 'GET /orders/%2e%2e/admin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
    expect(up.seen.length).toBe(before);
  });

  it('400 request.malformed for unparsable HTTP, in the same envelope', async () => {
    const r = await rawRequest(port, 'GARBAGE\r\n\r\n');
    expectGolden('gateway/400-malformed', r);
  });

  it('431 request.headers_too_large', async () => {
    const r = await rawRequest(port, `GET /orders HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectGolden('gateway/431-headers-too-large', r);
  });

  it('every gateway answer carries the request id in the header and the body, and the trace is retrievable by it', async () => {
    const r = await call(`${gw.url}/nowhere`);
    const id = r.headers['x-request-id'] as string;
    expect(r.json<{ request_id: string }>().request_id).toBe(id);
    const t = await call(`${gw.admin}/traces/${id}`);
    expect(t.json()).toMatchObject({ requestId: id, status: 404, code: 'route.not_found', answeredBy: 'gateway' });
  });

  it('denied traces are persisted in the store', async () => {
    const r = await call(`${gw.url}/nowhere/else`);
    const id = r.headers['x-request-id'] as string;
    const deadline = Date.now() + 3000;
    let stored: unknown;
    while (!stored && Date.now() < deadline) {
      stored = await gw.app.store.traces.get(id);
      if (!stored) await new Promise((res) => setTimeout(res, 100));
    }
    expect(stored).toMatchObject({ requestId: id, code: 'route.not_found' });
  });
});
