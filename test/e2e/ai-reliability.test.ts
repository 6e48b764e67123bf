import OpenAI from 'openai';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { attemptsOf, consumer, traceOf } from '../../src/test-support/llm-mocks/helpers.js';
import { startLlmMock, type LlmMock } from '../../src/test-support/llm-mocks/server.js';

/** Keys, fallbacks, retries, circuit breakers and timeouts, seen through the OpenAI SDK and the trace. */
const KEY = 'sk-sluice-reliability-0123';
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
type ApiError = InstanceType<typeof OpenAI.APIError>;

describe('AI gateway: routing and reliability', () => {
  let primary: LlmMock;
  let backup: LlmMock;
  let keyed: LlmMock;
  let spread: LlmMock;
  let gw: TestGateway;
  let client: OpenAI;
  /** The gateway's log lines (JSON), to check what operators are told. */
  const logLines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    primary = await startLlmMock('openai');
    backup = await startLlmMock('anthropic');
    keyed = await startLlmMock('openai');
    keyed.acceptKeys(['sk-good']);
    spread = await startLlmMock('openai');
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
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
          {
            id: 'spread-a',
            type: 'openai',
            base_url: `${spread.url}/v1`,
            keys: [
              { id: 'a1', secret: 'plain:sk-a1', weight: 1 },
              { id: 'a2', secret: 'plain:sk-a2', weight: 3 },
              { id: 'a-reserve', secret: 'plain:sk-a-reserve', priority: 1 },
            ],
          },
          { id: 'spread-b', type: 'openai', base_url: `${spread.url}/v1`, keys: [{ id: 'b1', secret: 'plain:sk-b1' }] },
          // Nothing listens on port 1: connection refused.
          { id: 'dead', type: 'openai', base_url: 'http://127.0.0.1:1/v1', keys: [{ id: 'd', secret: 'plain:sk-dead' }] },
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
          {
            name: 'balanced',
            targets: [
              { provider: 'spread-a', model: 'model-a', weight: 1 },
              { provider: 'spread-b', model: 'model-b', weight: 3 },
            ],
          },
          { name: 'cooling', targets: [{ provider: 'primary', model: 'cool-upstream' }], routing: { retries: { attempts: 0 } } },
          { name: 'neighbour', targets: [{ provider: 'primary', model: 'neighbour-upstream' }] },
          { name: 'flaky', targets: [{ provider: 'primary', model: 'flaky-upstream' }], routing: { retries: { attempts: 0 }, circuit_breaker: { failures: 2, cooldown: '300ms' } } },
          { name: 'jittery', targets: [{ provider: 'primary', model: 'jitter-upstream' }], routing: { retries: { attempts: 3, backoff: '40ms', max_backoff: '100ms' } } },
          { name: 'dead-first', targets: [{ provider: 'dead', model: 'gpt-4o' }], fallbacks: ['backup-model'], routing: { retries: { attempts: 0 } } },
          { name: 'dead-strict', targets: [{ provider: 'dead', model: 'gpt-4o' }], fallbacks: ['backup-model'], routing: { retries: { attempts: 0 }, fallback_on: { connect_error: false } } },
          {
            name: 'picky',
            targets: [{ provider: 'primary', model: 'picky-upstream' }],
            fallbacks: ['backup-model'],
            routing: { retries: { attempts: 1, backoff: 1, max_backoff: 2 }, fallback_on: { status: [500], timeout: false }, timeouts: { attempt: '150ms' } },
          },
        ],
      },
      services: [{ id: 'llm', kind: 'ai' }],
      routes: [{ id: 'openai-api', service: 'llm', paths: ['/v1/chat/completions', '/v1/models'], policies: [{ name: 'key-auth' }] }],
      consumers: [consumer('dev', KEY)],
    }, { logger });
    client = new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
    await primary.close();
    await backup.close();
    await keyed.close();
    await spread.close();
  });

  const ask = (model: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] }).withResponse();

  it('retries a 5xx, then falls back to another model on 429; the trace shows each attempt', async () => {
    primary.queue('chat', { status: 503, body: '{"error":{"message":"upstream overloaded","type":"server_error","param":null,"code":null}}' });
    primary.queue('chat', { status: 429, fixture: 'openai-chat/error-429-rate-limit-exceeded.response.json', headers: { 'retry-after': '1' } });
    const { data, response } = await ask('resilient');
    expect(data.choices[0]!.message.content).toBe('The capital of France is Paris.');
    expect(response.headers.get('x-sluice-provider')).toBe('backup');
    expect(response.headers.get('x-sluice-model')).toBe('claude-haiku-4-5');
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
    // Operators are told at error level, without the secret.
    const line = logLines.find((l) => l['ai_event'] === 'key_disabled' && l['key'] === 'revoked');
    expect(line).toMatchObject({ level: 50, provider: 'keyed' });
    expect(JSON.stringify(logLines)).not.toContain('sk-revoked');
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
  it('weighted balancing over (provider, model, key): target weights, then key weights; a higher priority key rests unused', async () => {
    const before = spread.seen.length;
    const N = 200;
    for (let i = 0; i < N; i += 20) await Promise.all(Array.from({ length: 20 }, () => ask('balanced')));
    const seen = spread.seen.slice(before);
    const count = (f: (s: (typeof seen)[number]) => boolean) => seen.filter(f).length;
    const a = count((x) => x.body['model'] === 'model-a');
    const b = count((x) => x.body['model'] === 'model-b');
    expect(a + b).toBe(N);
    // Expected 50 / 150 (weights 1:3); a, then its keys (1:3, expected about 12 / 38).
    expect(a).toBeGreaterThan(20);
    expect(a).toBeLessThan(85);
    const a1 = count((x) => x.key === 'sk-a1');
    const a2 = count((x) => x.key === 'sk-a2');
    expect(a1 + a2).toBe(a);
    expect(a1).toBeGreaterThan(0);
    expect(a2).toBeGreaterThan(a1);
    expect(count((x) => x.key === 'sk-a-reserve')).toBe(0);
    expect(count((x) => x.body['model'] === 'model-b' && x.key !== 'sk-b1')).toBe(0);
  });

  it('a 429 rests the key for that model for retry-after, while its other models serve; then it serves again', async () => {
    primary.queue('chat', { status: 429, fixture: 'openai-chat/error-429-rate-limit-exceeded.response.json', headers: { 'retry-after': '1' } });
    const e = (await ask('cooling').catch((x: unknown) => x)) as ApiError;
    expect([e.status, e.code, e.headers?.get('retry-after')]).toEqual([429, 'ai.upstream_rate_limited', '1']);
    const t = await traceOf(gw.admin, e.requestID);
    expect(t.entries.find((x) => x.code === 'ai.key_cooldown')?.data).toEqual({ provider: 'primary', key: 'p', cooldown_ms: 1000, model: 'cool-upstream' });
    const before = primary.seen.length;
    const e2 = (await ask('cooling').catch((x: unknown) => x)) as ApiError;
    expect([e2.status, e2.code]).toEqual([503, 'ai.no_target']);
    expect(Number(e2.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(primary.seen.length).toBe(before); // the resting key is not called
    expect((await ask('neighbour')).response.status).toBe(200); // same key, another model
    await wait(1100);
    const { response } = await ask('cooling');
    expect(response.status).toBe(200);
  });

  it('the circuit is per target: the provider\'s other targets serve while it is open; after the cooldown one trial closes it', async () => {
    primary.queue('chat', { status: 500, body: '{"error":{"message":"boom","type":"server_error"}}' }, { status: 500, body: '{"error":{"message":"boom","type":"server_error"}}' });
    for (let i = 0; i < 2; i++) expect(((await ask('flaky').catch((x: unknown) => x)) as ApiError).status).toBe(502);
    expect(((await ask('flaky').catch((x: unknown) => x)) as ApiError).code).toBe('ai.no_target');
    expect((await ask('neighbour')).response.status).toBe(200);
    await wait(350);
    const { response } = await ask('flaky');
    expect(response.status).toBe(200);
    const status = (await call(`${gw.admin}/ai/status`)).json<{ services: Record<string, { models: { name: string; targets: { circuit: { state: string } }[] }[] }> }>();
    expect(status.services['llm']!.models.find((m) => m.name === 'flaky')!.targets[0]!.circuit.state).toBe('closed');
  });

  it('retries wait with full jitter: each wait in [0, min(max_backoff, backoff × 2^n)), recorded in the trace', async () => {
    const boom = { status: 502, body: '{"error":{"message":"bad gateway","type":"server_error"}}' };
    primary.queue('chat', boom, boom, boom);
    const started = Date.now();
    const { response } = await ask('jittery');
    const elapsed = Date.now() - started;
    expect(response.headers.get('x-sluice-attempts')).toBe('4');
    const attempts = attemptsOf(await traceOf(gw.admin, response.headers.get('x-request-id')));
    const waits = attempts.slice(0, 3).map((a) => a.data?.['backoff_ms'] as number);
    [40, 80, 100].forEach((ceiling, n) => {
      expect(waits[n]).toBeGreaterThanOrEqual(0);
      expect(waits[n]).toBeLessThan(ceiling);
    });
    expect(elapsed).toBeGreaterThanOrEqual(waits.reduce((x, y) => x + y, 0) - 5);
    expect(attempts[3]!.outcome).toBe('allow');
  });

  it('connection errors fall back when fallback_on.connect_error (the default), and stop when it is off', async () => {
    const { response } = await ask('dead-first');
    expect(response.headers.get('x-sluice-provider')).toBe('backup');
    expect(attemptsOf(await traceOf(gw.admin, response.headers.get('x-request-id')))[0]!.data).toMatchObject({ provider: 'dead', failure: 'connect' });
    const e = (await ask('dead-strict').catch((x: unknown) => x)) as ApiError;
    expect([e.status, e.code, e.headers?.get('x-sluice-attempts')]).toEqual([502, 'ai.upstream_failed', '1']);
  });

  it('only the configured statuses and failures fall back (fallback_on.status: [500], timeout: false)', async () => {
    primary.queue('chat', { status: 503, body: '{"error":{"message":"overloaded","type":"server_error"}}' });
    const e = (await ask('picky').catch((x: unknown) => x)) as ApiError;
    expect([e.status, e.code, e.headers?.get('x-sluice-attempts')]).toEqual([502, 'ai.upstream_failed', '1']);
    const boom = { status: 500, body: '{"error":{"message":"boom","type":"server_error"}}' };
    primary.queue('chat', boom, boom);
    const { response } = await ask('picky');
    expect([response.headers.get('x-sluice-provider'), response.headers.get('x-sluice-attempts'), response.headers.get('x-sluice-fallback')]).toEqual(['backup', '3', 'backup-model']);
    primary.queue('chat', { delayMs: 1000 });
    const t = (await ask('picky').catch((x: unknown) => x)) as ApiError;
    expect([t.status, t.code, t.headers?.get('x-sluice-attempts')]).toEqual([504, 'ai.upstream_timeout', '1']);
  });
});
