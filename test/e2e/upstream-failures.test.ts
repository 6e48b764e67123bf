import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { expectGolden } from '../../src/test-support/golden.js';
import { blackholePort, closedPort, echo, startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';

interface Trace {
  status: number;
  code?: string;
  answeredBy: string;
  entries: { step?: string; outcome: string; code?: string; detail?: string; data?: Record<string, unknown> }[];
  upstream?: { attempts: number };
}

async function traceOf(gw: TestGateway, id: string): Promise<Trace> {
  return (await call(`${gw.admin}/traces/${id}`)).json<Trace>();
}

describe('upstream failures are told apart, pinpointed, and never hang', () => {
  let ok: TestUpstream;
  let flaky: TestUpstream;
  let silent: TestUpstream;
  let resetter: TestUpstream;
  let slowBody: TestUpstream;
  let hole: { port: number; close: () => void };
  let refused: number;
  let gw: TestGateway;
  let aborted = 0;

  beforeAll(async () => {
    ok = await startUpstream();
    flaky = await startUpstream((_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('busy');
    });
    silent = await startUpstream((req) => {
      req.socket.on('close', () => aborted++);
    });
    resetter = await startUpstream((req) => req.socket.destroy());
    slowBody = await startUpstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    hole = await blackholePort();
    refused = await closedPort();
    const t = (target: string, extra: Record<string, unknown> = {}) => ({ targets: [target], retries: { attempts: 0 }, ...extra });
    gw = await startGateway({
      services: [
        { id: 'refused', upstream: t(`http://127.0.0.1:${refused}`) },
        { id: 'connect-timeout', upstream: t(`http://127.0.0.1:${hole.port}`, { timeouts: { connect: '200ms' } }) },
        { id: 'first-byte', upstream: t(silent.url, { timeouts: { first_byte: '200ms' } }) },
        { id: 'total', upstream: t(silent.url, { timeouts: { first_byte: '5s', total: '250ms' } }) },
        { id: 'total-mid-body', upstream: t(slowBody.url, { timeouts: { total: '250ms' } }) },
        { id: 'reset', upstream: t(resetter.url) },
        { id: 'failover', upstream: { targets: [`http://127.0.0.1:${refused}`, ok.url], retries: { attempts: 1, backoff: '1ms' }, health: { passive: { failures: 1, ejection: '1m' } } } },
        { id: 'status-retry', upstream: { targets: [flaky.url, ok.url], balance: 'round-robin', retries: { attempts: 1, backoff: '1ms' }, health: { passive: { failures: 100 } } } },
        { id: 'ejecting', upstream: { targets: [`http://127.0.0.1:${refused}`], retries: { attempts: 0 }, health: { passive: { failures: 2, ejection: '1m' } } } },
        { id: 'post-reset', upstream: { targets: [resetter.url, ok.url], retries: { attempts: 1, backoff: '1ms' }, health: { passive: { failures: 100 } } } },
        { id: 'disconnect', upstream: t(silent.url, { timeouts: { first_byte: '10s' } }) },
      ],
      routes: ['refused', 'connect-timeout', 'first-byte', 'total', 'total-mid-body', 'reset', 'failover', 'status-retry', 'ejecting', 'post-reset', 'disconnect'].map((id) => ({ id, service: id, paths: [`/${id}`] })),
    });
  });
  afterAll(async () => {
    await gw.close();
    for (const u of [ok, flaky, silent, resetter, slowBody]) await u.close();
    hole.close();
  });

  it('connection refused → 502 upstream.connect_failed', async () => {
    const r = await call(`${gw.url}/refused`);
    expectGolden('gateway/502-connect-failed', r);
    const t = await traceOf(gw, r.headers['x-request-id'] as string);
    expect(t.entries.at(-1)).toMatchObject({ step: 'upstream', outcome: 'error', code: 'upstream.connect_failed' });
    expect(t.entries.at(-1)?.detail).toContain('ECONNREFUSED');
  });

  it('connect timeout → 504 upstream.connect_timeout', async () => {
    const t0 = Date.now();
    const r = await call(`${gw.url}/connect-timeout`);
    expect(Date.now() - t0).toBeLessThan(3000);
    expectGolden('gateway/504-connect-timeout', r);
  });

  it('no response headers within first_byte → 504 upstream.timeout', async () => {
    const r = await call(`${gw.url}/first-byte`);
    expectGolden('gateway/504-first-byte-timeout', r);
  });

  it('the total deadline aborts a silent upstream → 504, not retried', async () => {
    const t0 = Date.now();
    const r = await call(`${gw.url}/total`);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(r.json()).toMatchObject({ status: 504, code: 'upstream.timeout' });
  });

  it('the total deadline mid-body truncates the response (status already sent) and the trace says why', async () => {
    const r = await request(`${gw.url}/total-mid-body`);
    expect(r.statusCode).toBe(200);
    await expect(r.body.text()).rejects.toThrow();
    await new Promise((res) => setTimeout(res, 50));
    const t = await traceOf(gw, r.headers['x-request-id'] as string);
    expect(t.entries.at(-1)).toMatchObject({ step: 'upstream', outcome: 'error', code: 'upstream.timeout' });
  });

  it('the upstream resets the connection → 502 upstream.reset', async () => {
    const r = await call(`${gw.url}/reset`);
    expectGolden('gateway/502-reset', r);
  });

  it('a refused target fails over to the next one (trace shows both attempts), then is ejected', async () => {
    const r = await call(`${gw.url}/failover`);
    expect(r.status).toBe(200);
    const t = await traceOf(gw, r.headers['x-request-id'] as string);
    const attempts = t.entries.filter((e) => e.step === 'upstream');
    expect(attempts.map((e) => [e.outcome, e.code])).toEqual([['error', 'upstream.connect_failed'], ['allow', undefined]]);
    expect(t.upstream?.attempts).toBe(2);
    // The refused target is now ejected: the next request goes straight to the healthy one.
    const t2 = await traceOf(gw, (await call(`${gw.url}/failover`)).headers['x-request-id'] as string);
    expect(t2.entries.filter((e) => e.step === 'upstream')).toHaveLength(1);
  });

  it('a retryable status on an idempotent request is retried on another target', async () => {
    const results = await Promise.all([0, 1, 2, 3].map(() => call(`${gw.url}/status-retry`)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const traces = await Promise.all(results.map((r) => traceOf(gw, r.headers['x-request-id'] as string)));
    expect(traces.some((t) => t.entries.some((e) => e.code === 'upstream.retry'))).toBe(true);
  });

  it('a POST is not retried after the request was sent (reset), but a GET is', async () => {
    const posts = await Promise.all([0, 1].map(() => call(`${gw.url}/post-reset`, { method: 'POST', body: 'x' })));
    expect(posts.map((r) => r.status).sort()).toEqual([200, 502]);
    const gets = await Promise.all([0, 1].map(() => call(`${gw.url}/post-reset`)));
    expect(gets.map((r) => r.status)).toEqual([200, 200]);
  });

  it('passive health ejects a failing target → 503 upstream.unavailable', async () => {
    expect((await call(`${gw.url}/ejecting`)).status).toBe(502);
    expect((await call(`${gw.url}/ejecting`)).status).toBe(502);
    const r = await call(`${gw.url}/ejecting`);
    expectGolden('gateway/503-unavailable', r);
    const health = (await call(`${gw.admin}/upstreams/health`)).json<{ services: { service: string; targets: { healthy: boolean; last_error?: string }[] }[] }>();
    expect(health.services.find((s) => s.service === 'ejecting')?.targets[0]).toMatchObject({ healthy: false, last_error: 'ECONNREFUSED' });
  });

  it('a client disconnect aborts the upstream request', async () => {
    const before = aborted;
    const ac = new AbortController();
    const pending = request(`${gw.url}/disconnect`, { signal: ac.signal }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 150));
    ac.abort();
    await pending;
    const deadline = Date.now() + 2000;
    while (aborted === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(aborted).toBeGreaterThan(before);
    const recent = (await call(`${gw.admin}/traces?limit=5`)).json<{ items: Trace[] }>().items;
    expect(recent.some((t) => t.code === 'request.client_closed' && t.status === 499)).toBe(true);
  });

  it('keeps serving: a healthy route is unaffected by all of the above', async () => {
    ok.behave(echo);
    const g = await startGateway({ services: [{ id: 's', upstream: { targets: [ok.url] } }], routes: [{ id: 'r', service: 's', paths: ['/'] }] });
    try {
      expect((await call(`${g.url}/x`)).status).toBe(200);
    } finally {
      await g.close();
    }
  });
});
