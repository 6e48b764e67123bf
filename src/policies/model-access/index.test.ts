import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../../test-support/gateway.js';
import { expectGolden } from '../../test-support/golden.js';
import { startUpstream, type TestUpstream } from '../../test-support/upstream.js';

const hash = (k: string) => `sha256:${createHash('sha256').update(k).digest('hex')}`;
const ALICE = 'alice-key-0123456789';
const BOB = 'bob-key-0123456789';

describe('model-access', () => {
  let up: TestUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startUpstream();
    gw = await startGateway({
      services: [{ id: 'svc', upstream: { targets: [up.url] } }],
      routes: [{ id: 'llm', service: 'svc', paths: ['/v1'], policies: [{ name: 'key-auth' }] }],
      policies: [{ name: 'model-access', config: { allow: ['gpt-4o-mini'], groups: { premium: ['gpt-4o', 'claude-*'] }, deny: ['claude-opus*'] } }],
      consumers: [
        { id: 'alice', groups: ['premium'], credentials: [{ id: 'a', type: 'key-auth', key_hash: hash(ALICE) }] },
        { id: 'bob', credentials: [{ id: 'b', type: 'key-auth', key_hash: hash(BOB) }], policies: [{ name: 'model-access', config: { allow: ['*'], deny: ['gpt-4o'] } }] },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const chat = (key: string, model: string) =>
    call(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model, messages: [] }) });

  it('refuses a model outside the allow-list with 403 model.not_permitted naming the model', async () => {
    const r = await chat(ALICE, 'gpt-3.5-turbo');
    expectGolden('policies/model-access-403-not-permitted', r);
    const trace = (await call(`${gw.admin}/traces/${r.headers['x-request-id'] as string}`)).json<{ entries: { code?: string; data?: unknown }[] }>();
    expect(trace.entries.find((e) => e.code === 'model.not_permitted')?.data).toEqual({ model: 'gpt-3.5-turbo', consumer: 'alice', groups: ['premium'], denied: false });
  });

  it('allows names, group additions and prefixes; deny wins', async () => {
    expect((await chat(ALICE, 'gpt-4o-mini')).status).toBe(200);
    expect((await chat(ALICE, 'gpt-4o')).status).toBe(200);
    expect((await chat(ALICE, 'claude-sonnet-4-5')).status).toBe(200);
    expect((await chat(ALICE, 'claude-opus-4')).json()).toMatchObject({ code: 'model.not_permitted' });
  });

  it('a consumer-scoped policy replaces the global one', async () => {
    expect((await chat(BOB, 'anything-else')).status).toBe(200);
    const r = await chat(BOB, 'gpt-4o');
    expect(r.status).toBe(403);
    expect(r.json()).toMatchObject({ code: 'model.not_permitted', policy: { id: 'consumer:bob:model-access', scope: 'consumer' } });
  });

  it('the upstream still receives the body it read', async () => {
    const before = up.seen.length;
    await chat(ALICE, 'gpt-4o-mini');
    expect(JSON.parse(up.seen[before]!.body.toString()).model).toBe('gpt-4o-mini');
  });

  it('lets requests without a model through (skip)', async () => {
    const r = await call(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${ALICE}` } });
    expect(r.status).toBe(200);
  });
});
