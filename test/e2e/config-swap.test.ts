import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';

const json = { 'content-type': 'application/json' };

function doc(target: string, marker: string) {
  return {
    services: [{ id: 'svc', upstream: { targets: [target] } }],
    routes: [
      { id: 'r', service: 'svc', paths: ['/'], policies: [{ name: 'request-size', config: { max: marker === 'a' ? 100 : 200 } }] },
    ],
  };
}

describe('config versions swap atomically (store mode)', () => {
  let slow: TestUpstream;
  let fast: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    slow = await startUpstream((_req, res) => setTimeout(() => res.end('slow-done'), 400));
    fast = await startUpstream((_req, res) => res.end('fast'));
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw.close();
    await slow.close();
    await fast.close();
  });

  it('starts empty (version 0), applies a document, and refuses an invalid one whole', async () => {
    expect((await call(`${gw.url}/x`)).json()).toMatchObject({ code: 'route.not_found', config_version: 0 });
    const put = await call(`${gw.admin}/config`, { method: 'PUT', headers: { ...json, 'if-match': '"0"' }, body: JSON.stringify(doc(slow.url, 'a')) });
    expect(put.status).toBe(200);
    expect(put.json()).toMatchObject({ version: 1, changed: true });
    expect(put.headers['etag']).toBe('"1"');
    const bad = await call(`${gw.admin}/config`, { method: 'PUT', headers: json, body: JSON.stringify({ services: [{ id: 'svc', upstream: { targets: ['htp://x'] } }] }) });
    expect(bad.status).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'admin.invalid_config', errors: [{ path: 'services[0].upstream.targets[0]', message: '"htp://x" is not an http(s) URL' }] });
    expect((await call(`${gw.admin}/status`)).json()).toMatchObject({ config_version: 1 });
  });

  it('a stale If-Match gets 412 and changes nothing', async () => {
    const r = await call(`${gw.admin}/config`, { method: 'PUT', headers: { ...json, 'if-match': '"0"' }, body: JSON.stringify(doc(fast.url, 'b')) });
    expect(r.status).toBe(412);
    expect(r.json()).toMatchObject({ code: 'admin.precondition_failed' });
    expect(r.headers['etag']).toBe('"1"');
  });

  it('an in-flight request finishes on the version it started with; new requests use the new one', async () => {
    const inflight = call(`${gw.url}/`);
    await new Promise((r) => setTimeout(r, 100));
    const put = await call(`${gw.admin}/config`, { method: 'PUT', headers: { ...json, 'if-match': '"1"' }, body: JSON.stringify(doc(fast.url, 'b')) });
    expect(put.json()).toMatchObject({ version: 2 });
    const after = await call(`${gw.url}/`);
    expect(after.text).toBe('fast');
    const old = await inflight;
    expect(old.status).toBe(200);
    expect(old.text).toBe('slow-done');
  });

  it('no request is dropped while versions swap under load', async () => {
    const agent = new Agent({ connections: 16 });
    let failures = 0;
    let done = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const r = await request(`${gw.url}/`, { dispatcher: agent });
        await r.body.text();
        if (r.statusCode !== 200) failures++;
        done++;
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    let version = 2;
    for (let i = 0; i < 10; i++) {
      const r = await call(`${gw.admin}/config`, { method: 'PUT', headers: { ...json, 'if-match': `"${version}"` }, body: JSON.stringify(doc(fast.url, i % 2 ? 'a' : 'b')) });
      expect(r.status).toBe(200);
      version = r.json<{ version: number }>().version;
      await new Promise((res) => setTimeout(res, 30));
    }
    stop = true;
    await Promise.all(workers);
    await agent.close();
    expect(done).toBeGreaterThan(100);
    expect(failures).toBe(0);
  });

  it('history and rollback', async () => {
    const list = (await call(`${gw.admin}/config/versions?limit=3`)).json<{ items: { version: number }[] }>();
    expect(list.items).toHaveLength(3);
    const latest = list.items[0]!.version;
    const rb = await call(`${gw.admin}/config/rollback`, { method: 'POST', headers: json, body: JSON.stringify({ version: 1 }) });
    expect(rb.json()).toMatchObject({ version: latest + 1, changed: true });
    expect((await call(`${gw.admin}/config`)).json()).toEqual(doc(slow.url, 'a'));
  });
});
