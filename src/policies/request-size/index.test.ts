import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { startGateway, call, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../test-support/upstream.js';
import { parseSize } from './schema.js';

describe('request-size', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      routes: [
        { id: 'small', service: 'svc', paths: ['/small'], policies: [{ name: 'request-size', config: { max: 16 } }] },
        { id: 'strict', service: 'svc', paths: ['/strict'], policies: [{ name: 'request-size', config: { max: '1kb', require_length: true } }] },
        { id: 'shadow', service: 'svc', paths: ['/shadow'], policies: [{ name: 'request-size', mode: 'shadow', config: { max: 4 } }] },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('parses sizes in bytes and binary units', () => {
    expect(parseSize(10)).toBe(10);
    expect(parseSize('1kb')).toBe(1024);
    expect(parseSize('1.5 MB')).toBe(1572864);
  });

  it('forwards bodies within the limit', async () => {
    const r = await call(`${gw.url}/small`, { method: 'POST', body: 'x'.repeat(16) });
    expect(r.status).toBe(200);
    expect(r.json<{ body: string }>().body).toBe('x'.repeat(16));
  });

  it('413 on a declared Content-Length over the limit, without forwarding', async () => {
    const before = up.seen.length;
    const r = await call(`${gw.url}/small`, { method: 'POST', body: 'x'.repeat(17) });
    expectGolden('policies/request-size-413-declared', r);
    // 17 unread bytes are drained by Node and the connection kept; large bodies close it (gateway-answers e2e).
    expect(r.headers['connection']).toBe('keep-alive');
    expect(up.seen.length).toBe(before);
  });

  it('413 on a chunked body that grows over the limit', async () => {
    async function* chunks() {
      yield Buffer.from('0123456789');
      yield Buffer.from('0123456789');
    }
    const r = await request(`${gw.url}/small`, { method: 'POST', body: Readable.from(chunks()) });
    const text = await r.body.text();
    expect(r.statusCode).toBe(413);
    expect(JSON.parse(text)).toMatchObject({ status: 413, code: 'request.too_large', detail: 'Request body is more than 16 bytes; the limit is 16 bytes.' });
  });

  it('chunked bodies within the limit are forwarded whole', async () => {
    async function* chunks() {
      yield Buffer.from('abc');
      yield Buffer.from('def');
    }
    const r = await request(`${gw.url}/small`, { method: 'POST', body: Readable.from(chunks()) });
    expect(r.statusCode).toBe(200);
    expect(((await r.body.json()) as { body: string }).body).toBe('abcdef');
  });

  it('411 when a length is required and the body is chunked', async () => {
    async function* chunks() {
      yield Buffer.from('abc');
    }
    const r = await request(`${gw.url}/strict`, { method: 'POST', body: Readable.from(chunks()) });
    const text = await r.body.text();
    expectGolden('policies/request-size-411', { status: r.statusCode, headers: r.headers, text, json: () => JSON.parse(text) as never });
  });

  it('shadow mode records the denial but forwards the request', async () => {
    const r = await call(`${gw.url}/shadow`, { method: 'POST', body: 'too long' });
    expect(r.status).toBe(200);
    const id = r.headers['x-request-id'] as string;
    const t = await call(`${gw.admin}/traces/${id}`);
    const entry = t.json<{ entries: { code?: string; enforced?: boolean; outcome: string }[] }>().entries.find((e) => e.code === 'request.too_large');
    expect(entry).toMatchObject({ outcome: 'deny', enforced: false });
  });
});
