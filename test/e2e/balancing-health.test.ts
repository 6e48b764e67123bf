import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { expectGolden } from '../../src/test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';
import { MODULES } from '../../src/app/modules.js';
import { allow, definePolicy, deny, type PolicyDefinition } from '../../src/core/policy.js';
import { defineReasons } from '../../src/core/reasons.js';

const named = (name: string) => (_req: unknown, res: import('node:http').ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(name);
};

describe('load balancing and health checks', () => {
  let a: TestUpstream;
  let b: TestUpstream;
  let sick: TestUpstream;
  let sickHealthy = false;
  let gw: TestGateway;

  beforeAll(async () => {
    a = await startUpstream(named('a'));
    b = await startUpstream(named('b'));
    sick = await startUpstream((req, res) => {
      if (req.url === '/healthz') {
        res.writeHead(sickHealthy ? 200 : 500);
        res.end();
        return;
      }
      named('sick')(req, res);
    });
    gw = await startGateway({
      services: [
        { id: 'weighted', upstream: { targets: [{ url: a.url, weight: 300 }, { url: b.url, weight: 100 }] } },
        { id: 'least', upstream: { targets: [a.url, b.url], balance: 'least-connections' } },
        {
          id: 'checked',
          upstream: { targets: [sick.url, b.url], health: { active: { path: '/healthz', interval: '100ms', timeout: '500ms', healthy_threshold: 1, unhealthy_threshold: 1 } } },
        },
      ],
      routes: [
        { id: 'w', service: 'weighted', paths: ['/w'] },
        { id: 'l', service: 'least', paths: ['/l'] },
        { id: 'c', service: 'checked', paths: ['/c'] },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    for (const u of [a, b, sick]) await u.close();
  });

  it('weighted round-robin spreads requests in proportion to weight (smoothly)', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 40; i++) seen.push((await call(`${gw.url}/w`)).text);
    expect(seen.filter((s) => s === 'a')).toHaveLength(30);
    expect(seen.filter((s) => s === 'b')).toHaveLength(10);
    // Smooth: never more than 3 of the heavier target in a row.
    expect(seen.join('')).not.toContain('aaaa');
  });

  it('least-connections uses both targets', async () => {
    const seen = new Set((await Promise.all(Array.from({ length: 10 }, () => call(`${gw.url}/l`)))).map((r) => r.text));
    expect(seen).toEqual(new Set(['a', 'b']));
  });

  it('active health checks take a failing target out and bring it back', async () => {
    await new Promise((r) => setTimeout(r, 400));
    const out = new Set<string>();
    for (let i = 0; i < 6; i++) out.add((await call(`${gw.url}/c`)).text);
    expect(out).toEqual(new Set(['b']));
    const health = (await call(`${gw.admin}/upstreams/health`)).json<{ services: { service: string; targets: { url: string; healthy: boolean; last_error?: string }[] }[] }>();
    expect(health.services.find((s) => s.service === 'checked')?.targets.find((t) => t.url === sick.url)).toMatchObject({ healthy: false, last_error: 'health check status 500' });
    sickHealthy = true;
    await new Promise((r) => setTimeout(r, 400));
    const back = new Set<string>();
    for (let i = 0; i < 6; i++) back.add((await call(`${gw.url}/c`)).text);
    expect(back).toEqual(new Set(['sick', 'b']));
  });
});

describe('request ids', () => {
  let up: TestUpstream;
  let trusting: TestGateway;
  let strict: TestGateway;
  const cfg = (trusted: string[]) => ({ gateway: { trusted_proxies: trusted }, services: [{ id: 's', upstream: { targets: [up.url] } }], routes: [{ id: 'r', service: 's', paths: ['/'] }] });

  beforeAll(async () => {
    up = await startUpstream();
    trusting = await startGateway(cfg(['127.0.0.1']));
    strict = await startGateway(cfg([]));
  });
  afterAll(async () => {
    await trusting.close();
    await strict.close();
    await up.close();
  });

  it('keeps a well-formed X-Request-Id from a trusted proxy, end to end', async () => {
    const r = await call(`${trusting.url}/x`, { headers: { 'x-request-id': 'lb-7f3a.1' } });
    expect(r.headers['x-request-id']).toBe('lb-7f3a.1');
    expect(r.json<{ headers: Record<string, string> }>().headers['x-request-id']).toBe('lb-7f3a.1');
    expect((await call(`${trusting.admin}/traces/lb-7f3a.1`)).status).toBe(200);
  });

  it('replaces a malformed one, and any from an untrusted caller', async () => {
    expect((await call(`${trusting.url}/x`, { headers: { 'x-request-id': 'bad id with spaces' } })).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call(`${strict.url}/x`, { headers: { 'x-request-id': 'lb-7f3a.2' } })).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('a policy that fails', () => {
  // A real policy definition used only here: it throws, or denies asynchronously, on demand.
  const reasons = defineReasons([{ code: 'test.async_denied', status: 403, title: 'Denied later', description: 'Test policy: an asynchronous denial.' }]);
  const flaky: PolicyDefinition = definePolicy<{ mode: string }>({
    name: 'flaky',
    phase: 'authorize',
    summary: 'Throws or denies asynchronously (test only).',
    schema: Type.Object({ mode: Type.String() }),
    reasons,
    compile: (config) => ({
      evaluate: () => {
        if (config.mode === 'throw') throw new Error('flaky exploded: secret=hunter2');
        return new Promise((resolve) => setTimeout(() => resolve(config.mode === 'deny' ? deny('test.async_denied', 'Denied after a while.') : allow()), 5));
      },
    }),
  });
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway(
      {
        services: [{ id: 's', upstream: { targets: [up.url] } }],
        routes: ['throw', 'deny', 'allow'].map((mode) => ({ id: mode, service: 's', paths: [`/${mode}`], policies: [{ name: 'flaky', config: { mode } }] })),
      },
      { modules: [...MODULES, { name: 'test', policies: [flaky] }] },
    );
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('fails closed with 500 policy.error naming the policy, without leaking the exception', async () => {
    const r = await call(`${gw.url}/throw`);
    expectGolden('gateway/500-policy-error', r);
    expect(r.text).not.toContain('hunter2');
    const t = (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ entries: { outcome: string; code?: string }[] }>();
    expect(t.entries.at(-1)).toMatchObject({ outcome: 'error', code: 'policy.error' });
  });

  it('asynchronous decisions deny and allow like synchronous ones', async () => {
    expect((await call(`${gw.url}/deny`)).json()).toMatchObject({ status: 403, code: 'test.async_denied', policy: { id: 'route:deny:flaky' } });
    expect((await call(`${gw.url}/allow`)).status).toBe(200);
  });
});
