import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { attemptsOf, consumer, traceOf } from '../../src/test-support/llm-mocks/helpers.js';
import { startLlmMock, type LlmMock } from '../../src/test-support/llm-mocks/server.js';

/** Keys, fallbacks, retries, circuit breakers and timeouts, seen through the OpenAI SDK and the trace. */
const KEY = 'sk-sluice-reliability-0123';

describe('AI gateway: routing and reliability', () => {
  let primary: LlmMock;
  let backup: LlmMock;
  let keyed: LlmMock;
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    primary = await startLlmMock('openai');
    backup = await startLlmMock('anthropic');
    keyed = await startLlmMock('openai');
    keyed.acceptKeys(['sk-good']);
    gw = await startGateway({
      ai: {
        providers: [
          { id: 'primary', type: 'openai', base_url: `${primary.url}/v1`, keys: [{ id: 'p', secret: 'plain:sk-primary' }] },
          { id: 'backup', type: 'anthropic', base_url: backup.url, keys: [{ id: 'b', secret: 'plain:sk-backup' }] },
          {
            id: 'keyed',
            type: 'openai',
            base_url: `${keyed.url}/v1`,
            keys: [
              { id: 'revoked', secret: 'plain:sk-revoked', priority: 0 },
              { id: 'good', secret: 'plain:sk-good', priority: 1 },
            ],
          },
        ],
        models: [
          { name: 'resilient', targets: [{ provider: 'primary', model: 'gpt-4o' }], fallbacks: ['backup-model'], routing: { retries: { attempts: 1, backoff: 1, max_backoff: 5 } } },
          { name: 'backup-model', targets: [{ provider: 'backup', model: 'claude-haiku-4-5' }] },
          { name: 'keyed-model', targets: [{ provider: 'keyed', model: 'gpt-4o' }] },
          {
            name: 'fragile',
            targets: [{ provider: 'primary', model: 'fragile-upstream' }],
            routing: { retries: { attempts: 0 }, circuit_breaker: { failures: 2, cooldown: '1m' } },
          },
          { name: 'slow', targets: [{ provider: 'primary', model: 'slow-upstream' }], routing: { retries: { attempts: 0 }, timeouts: { attempt: '150ms' } } },
          {
            name: 'ttft',
            targets: [{ provider: 'primary', model: 'ttft-upstream' }],
            fallbacks: ['backup-model'],
            routing: { retries: { attempts: 0 }, timeouts: { first_token: '150ms' } },
          },
          { name: 'deadline', targets: [{ provider: 'primary', model: 'deadline-upstream' }], routing: { retries: { attempts: 3, backoff: 1, max_backoff: 2 }, timeouts: { overall: '200ms' } } },
          // Its own upstream model: primary/gpt-4o rests for a second after the first test's 429.
          { name: 'abortable', targets: [{ provider: 'primary', model: 'abort-upstream' }] },
        ],
      },
      services: [{ id: 'llm', kind: 'ai' }],
      routes: [{ id: 'openai-api', service: 'llm', paths: ['/v1/chat/completions', '/v1/models'], policies: [{ name: 'key-auth' }] }],
      consumers: [consumer('dev', KEY)],
    });
    client = new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
    await primary.close();
    await backup.close();
    await keyed.close();
  });

  const ask = (model: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).withResponse();

  it('retries a 5xx, then falls back to another model on 429; the trace shows each attempt', async () => {
    primary.queue('chat', { status: 503, body: '{"error":{"message":"upstream overloaded","type":"server_error","param":null,"code":null}}' });
    primary.queue('chat', { status: 429, fixture: 'openai-chat/error-429-rate-limit-exceeded.response.json', headers: { 'retry-after': '1' } });
    const { data, response } = await ask('resilient');
    expect(data.choices[0]!.message.content).toBe('The capital of France is Paris.');
    expect(response.headers.get('x-sluice-provider')).toBe('backup');
    expect(response.headers.get('x-sluice-attempts')).toBe('3');
    expect(response.headers.get('x-sluice-fallback')).toBe('backup-model');
    const t = await traceOf(gw.admin, response.headers.get('x-request-id'));
    const attempts = attemptsOf(t);
    expect(attempts.map((a) => [a.outcome, a.data?.['provider'], a.data?.['status']])).toEqual([
      ['error', 'primary', 503],
      ['error', 'primary', 429],
      ['allow', 'backup', undefined],
    ]);
    expect(t.entries.some((e) => e.code === 'ai.key_cooldown')).toBe(true);
    expect(t.annotations?.ai).toMatchObject({ provider: 'backup', attempts: 3, model: 'backup-model', requested_model: 'resilient' });
  });

  it('an invalid provider key (401) is taken out and reported; the next key serves', async () => {
    const { response } = await ask('keyed-model');
    expect(response.status).toBe(200);
    expect(keyed.seen.map((s) => s.key)).toEqual(['sk-revoked', 'sk-good']);
    const t = await traceOf(gw.admin, response.headers.get('x-request-id'));
    expect(t.entries.find((e) => e.code === 'ai.key_disabled')?.data).toEqual({ provider: 'keyed', key: 'revoked' });
    // The revoked key is not tried again.
    await ask('keyed-model');
    expect(keyed.seen.map((s) => s.key)).toEqual(['sk-revoked', 'sk-good', 'sk-good']);
    const status = (await call(`${gw.admin}/ai/status`)).json<{ services: Record<string, { providers: { id: string; keys: { id: string; state: string; disabled?: { status: number } }[] }[]; events: { kind: string; key?: string }[] }> }>();
    const keys = status.services['llm']!.providers.find((p) => p.id === 'keyed')!.keys;
    expect(keys).toEqual([expect.objectContaining({ id: 'revoked', state: 'disabled', disabled: expect.objectContaining({ status: 401 }) }), expect.objectContaining({ id: 'good', state: 'ok' })]);
    expect(status.services['llm']!.events.some((e) => e.kind === 'key_disabled' && e.key === 'revoked')).toBe(true);
    expect(JSON.stringify(status)).not.toContain('sk-revoked');
  });

  it('the circuit opens after consecutive failures and the target is skipped while open', async () => {
    const before = primary.seen.length;
    primary.queue('chat', { status: 500, body: '{"error":{"message":"boom","type":"server_error"}}' }, { status: 502, body: 'bad gateway' });
    for (let i = 0; i < 2; i++) {
      const e = await ask('fragile').catch((x: unknown) => x);
      expect(e).toBeInstanceOf(OpenAI.InternalServerError);
      expect((e as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
      expect((e as InstanceType<typeof OpenAI.APIError>).code).toBe('ai.upstream_failed');
    }
    expect(primary.seen.length - before).toBe(2);
    const e = await ask('fragile').catch((x: unknown) => x);
    expect((e as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((e as InstanceType<typeof OpenAI.APIError>).code).toBe('ai.no_target');
    expect(primary.seen.length - before).toBe(2); // not called while open
    const status = (await call(`${gw.admin}/ai/status`)).json<{ services: Record<string, { models: { name: string; targets: { circuit: { state: string } }[] }[] }> }>();
    expect(status.services['llm']!.models.find((m) => m.name === 'fragile')!.targets[0]!.circuit.state).toBe('open');
  });

  it('per-attempt timeout → 504 that says it was the upstream', async () => {
    primary.queue('chat', { delayMs: 1000 });
    const started = Date.now();
    const e = await ask('slow').catch((x: unknown) => x);
    expect(Date.now() - started).toBeLessThan(900);
    expect((e as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect((e as InstanceType<typeof OpenAI.APIError>).code).toBe('ai.upstream_timeout');
  });

  it('time-to-first-token timeout on a stream falls back before anything was sent', async () => {
    primary.queue('chat', { fixture: 'openai-chat/chat-stream-include-usage.response.sse', firstChunkDelayMs: 1000 });
    const { data: stream, response } = await client.chat.completions.create({ model: 'ttft', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('- Captain\n- Scoop');
    expect(response.headers.get('x-sluice-provider')).toBe('backup');
    const t = await traceOf(gw.admin, response.headers.get('x-request-id'));
    expect(attemptsOf(t)[0]!.data).toMatchObject({ provider: 'primary', failure: 'first_token_timeout' });
  });

  it('the overall deadline bounds retries', async () => {
    for (let i = 0; i < 4; i++) primary.queue('chat', { delayMs: 120 });
    const started = Date.now();
    const e = await ask('deadline').catch((x: unknown) => x);
    expect(Date.now() - started).toBeLessThan(600);
    expect((e as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect((e as Error).message).toMatch(/overall deadline of 200 ms/);
  });

  it('a client that goes away aborts the upstream request', async () => {
    primary.queue('chat', { fixture: 'openai-chat/chat-stream-include-usage.response.sse', chunkDelayMs: 200 });
    const ac = new AbortController();
    const abortedBefore = primary.aborted();
    const { data: stream, response } = await client.chat.completions.create({ model: 'abortable', messages: [{ role: 'user', content: 'hi' }], stream: true }, { signal: ac.signal }).withResponse();
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    ac.abort();
    await it.next().catch(() => undefined);
    for (let i = 0; i < 50 && primary.aborted() === abortedBefore; i++) await new Promise((r) => setTimeout(r, 20));
    expect(primary.aborted()).toBe(abortedBefore + 1);
    const t = await traceOf(gw.admin, response.headers.get('x-request-id'));
    expect(t.status).toBe(499);
    expect(t.annotations?.ai).toMatchObject({ error: 'request.client_closed', usage_source: expect.stringMatching(/partial|estimated/) });
  });
});
