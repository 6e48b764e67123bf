import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsumerIdentity, RequestContext } from '../../core/context.js';
import type { CompileContext, Decision } from '../../core/policy.js';
import { call, startGateway, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../test-support/upstream.js';
import { subscription } from './index.js';
import type { SubscriptionConfig } from './schema.js';

const compileCtx = {} as CompileContext;

function decide(config: SubscriptionConfig, consumer: ConsumerIdentity | undefined): Decision {
  return subscription.compile(config, compileCtx).evaluate({ consumer } as unknown as RequestContext) as Decision;
}

const shop: ConsumerIdentity = { id: 'shop', groups: [] };

describe('subscription decision logic', () => {
  const config: SubscriptionConfig = {
    api: 'orders-v1',
    consumers: { shop: 'approved', pend: { state: 'pending', id: 'sub_1', since: '2030-01-01T00:00:00Z' }, rej: 'rejected', rev: 'revoked' },
  };

  it('lets an approved consumer through and records the subscription in the trace data', () => {
    expect(decide(config, shop)).toEqual({ outcome: 'allow', detail: 'subscription to orders-v1 approved', data: { api: 'orders-v1', consumer: 'shop', state: 'approved' } });
  });

  it('refuses every other state with its own code', () => {
    expect(decide(config, { id: 'pend', groups: [] })).toEqual({
      outcome: 'deny',
      code: 'subscription.pending',
      detail: 'The subscription of consumer pend to API orders-v1 is pending approval (since 2030-01-01T00:00:00Z).',
      headers: undefined,
      data: { api: 'orders-v1', consumer: 'pend', state: 'pending', subscription: 'sub_1', since: '2030-01-01T00:00:00Z' },
    });
    expect(decide(config, { id: 'rej', groups: [] })).toMatchObject({ code: 'subscription.rejected', detail: 'The subscription of consumer rej to API orders-v1 was rejected.' });
    expect(decide(config, { id: 'rev', groups: [] })).toMatchObject({ code: 'subscription.revoked' });
    expect(decide(config, { id: 'other', groups: [] })).toMatchObject({ code: 'subscription.missing', data: { state: 'none' } });
  });

  it('no consumer, or the anonymous one, has no subscription', () => {
    expect(decide(config, undefined)).toMatchObject({ code: 'subscription.missing', data: { consumer: null } });
    expect(decide({ ...config, consumers: { guest: 'approved' } }, { id: 'guest', groups: [], anonymous: true })).toMatchObject({ code: 'subscription.missing', data: { anonymous: true } });
  });

  it('names the portal when configured', () => {
    expect(decide({ api: 'a', portal: 'https://dev.example.com' }, shop)).toMatchObject({ detail: 'Consumer shop has no subscription to API a. Subscribe at https://dev.example.com.' });
  });
});

describe('subscription through a gateway', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      services: [{ id: 'orders-v1', upstream: { targets: [up.url] }, policies: [{ name: 'subscription', config: { api: 'orders-v1', consumers: {} } }] }],
      routes: [{ id: 'orders', service: 'orders-v1', paths: ['/v1/orders'] }],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('403 subscription.missing when the route identifies no consumer, without reaching the upstream', async () => {
    const before = up.seen.length;
    const r = await call(`${gw.url}/v1/orders`);
    expectGolden('management/subscription-403-missing-anonymous', r);
    expect(up.seen.length).toBe(before);
  });

  it('the simulator explains the denial', async () => {
    const r = await call(`${gw.admin}/simulate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'GET', path: '/v1/orders' }) });
    const sim = r.json<{ outcome: string; response: { status: number; body: { code: string } }; trace: { entries: { code?: string; data?: unknown }[] } }>();
    expect(sim.outcome).toBe('denied');
    expect(sim.response.body.code).toBe('subscription.missing');
    expect(sim.trace.entries.find((e) => e.code === 'subscription.missing')?.data).toEqual({ api: 'orders-v1', consumer: null, anonymous: false });
  });
});
