import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureJson, fixtureText } from '../../src/core/llm/test-support/fixtures.js';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { openAIStreamFacts, ssePayloads } from '../../src/ai/providers/test-support/oracle.js';
import { attemptsOf, consumer, traceOf } from '../../src/test-support/llm-mocks/helpers.js';
import { sseFrames, startLlmMock, type LlmMock } from '../../src/test-support/llm-mocks/server.js';

/**
 * The official `openai` SDK (v6) against an in-process Sluice whose providers are mock servers
 * replaying recorded OpenAI and Anthropic exchanges (../shared/fixtures/llm).
 */
const ALICE = 'sk-sluice-alice-0123456789';
const BOB = 'sk-sluice-bob-0123456789';

describe('AI gateway: OpenAI SDK', () => {
  let oa: LlmMock;
  let an: LlmMock;
  let gw: TestGateway;
  let alice: OpenAI;

  beforeAll(async () => {
    oa = await startLlmMock('openai');
    an = await startLlmMock('anthropic');
    gw = await startGateway({
      ai: {
        providers: [
          { id: 'openai', type: 'openai', base_url: `${oa.url}/v1`, keys: [{ id: 'main', secret: 'plain:sk-upstream-openai' }] },
          { id: 'anthropic', type: 'anthropic', base_url: an.url, keys: [{ id: 'main', secret: 'plain:sk-ant-upstream' }] },
        ],
        models: [
          { name: 'gpt-4o', targets: [{ provider: 'openai', model: 'gpt-4o' }] },
          { name: 'claude-haiku', targets: [{ provider: 'anthropic', model: 'claude-haiku-4-5' }] },
          { name: 'text-embedding-3-small', type: 'embedding', targets: [{ provider: 'openai', model: 'text-embedding-3-small' }] },
          { name: 'internal', hidden: true, targets: [{ provider: 'openai', model: 'gpt-4o-mini' }] },
        ],
        aliases: { fast: 'gpt-4o', smart: 'claude-haiku' },
      },
      services: [{ id: 'llm', kind: 'ai' }],
      routes: [{ id: 'openai-api', service: 'llm', paths: ['/v1/chat/completions', '/v1/embeddings', '/v1/models'], policies: [{ name: 'key-auth' }] }],
      consumers: [consumer('alice', ALICE), consumer('bob', BOB, { policies: [{ name: 'model-access', config: { allow: ['gpt-4o', 'fast'] } }] })],
    });
    alice = new OpenAI({ apiKey: ALICE, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
    await oa.close();
    await an.close();
  });

  it('non-streaming: the capture comes back, with who served it and the usage and cost recorded', async () => {
    const expected = fixtureJson<{ choices: { message: { content: string } }[] }>('openai-chat/chat-basic.response.json');
    const { data, response } = await alice.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.choices[0]!.message.content).toBe(expected.choices[0]!.message.content);
    expect(response.headers.get('x-sluice-provider')).toBe('openai');
    expect(response.headers.get('x-sluice-model')).toBe('gpt-4o');
    expect(response.headers.get('x-sluice-attempts')).toBe('1');
    // A whole JSON body goes with its size, not chunked.
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(JSON.stringify(data)));
    expect(response.headers.get('transfer-encoding')).toBeNull();
    const seen = oa.seen.at(-1)!;
    expect(seen.key).toBe('sk-upstream-openai'); // the provider key, never the caller's Sluice key
    expect(seen.headers['traceparent']).toBeUndefined(); // tracing is off here: no trace context is made up
    expect(seen.body['model']).toBe('gpt-4o');
    const t = await traceOf(gw.admin, response.headers.get('x-request-id'));
    expect(t.annotations?.ai).toMatchObject({ provider: 'openai', model: 'gpt-4o', attempts: 1, tokens: { input: 8, output: 377, cached: 0, reasoning: 320 }, usage_source: 'provider', currency: 'USD' });
    expect(t.annotations!.ai!['cost']).toBeCloseTo(8 * 2.5e-6 + 377 * 10e-6, 10);
    expect(attemptsOf(t)).toHaveLength(1);
  });

  it('streaming with include_usage: chunks, then the usage chunk', async () => {
    const stream = await alice.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    // The capture spent its 100 tokens reasoning: a role chunk, the finish chunk, then the usage chunk.
    expect(chunks.map((c) => [c.choices[0]?.delta.role, c.choices[0]?.finish_reason, c.choices.length])).toEqual([
      ['assistant', null, 1],
      [undefined, 'length', 1],
      [undefined, undefined, 0],
    ]);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    // OpenAI → OpenAI loses nothing per chunk: the capture's id, model, service tier and (null) fingerprint on every chunk.
    expect(chunks.map((c) => [c.id, c.model, c.service_tier, (c as { system_fingerprint?: unknown }).system_fingerprint])).toEqual(chunks.map(() => ['chatcmpl-C4Hq5a6K3RaPMymUv70btQNYv6SvY', 'gpt-5-nano-2025-08-07', 'default', null]));
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 100, total_tokens: 112, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 100 } });
    expect(oa.seen.at(-1)!.body['stream_options']).toEqual({ include_usage: true });
  });

  it('streaming without include_usage: no usage chunk for the client, usage still accounted', async () => {
    const { data: stream, response } = await alice.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
    let sawUsage = false;
    for await (const chunk of stream) if (chunk.usage) sawUsage = true;
    expect(sawUsage).toBe(false);
    // The adapter asked upstream for usage anyway.
    expect(oa.seen.at(-1)!.body['stream_options']).toEqual({ include_usage: true });
    const t = await traceOf(gw.admin, response.headers.get('x-request-id'));
    expect(t.annotations?.ai).toMatchObject({ stream: true, tokens: { input: 12, output: 100 }, usage_source: 'provider' });
  });

  it('a provider stream without usage is counted locally (gpt-tokenizer)', async () => {
    oa.queue('chat', { fixture: 'openai-chat/chat-stream.response.sse' });
    const { data: stream, response } = await alice.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Say hello' }], stream: true }).withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    const t = await traceOf(gw.admin, response.headers.get('x-request-id'));
    const ai = t.annotations!.ai as { usage_source: string; tokens: { input: number; output: number } };
    expect(ai.usage_source).toBe('estimated');
    expect(ai.tokens.input).toBeGreaterThan(3);
    expect(ai.tokens.output).toBeGreaterThan(0);
    expect(text.length).toBeGreaterThan(0);
  });

  it('gzip-encoded upstream SSE is decoded', async () => {
    oa.queue('chat', { fixture: 'openai-chat/chat-stream-include-usage.response.sse', gzip: true });
    const stream = await alice.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    let usage: OpenAI.CompletionUsage | null | undefined;
    let n = 0;
    for await (const chunk of stream) {
      n++;
      if (chunk.usage) usage = chunk.usage;
    }
    // Every chunk of the capture (role, finish, usage) came through the gzip stream.
    expect(n).toBe(3);
    expect(usage?.total_tokens).toBe(112);
  });

  it('JSON split across network reads at any byte (inside frames, strings and UTF-8 sequences): the same stream', async () => {
    const text = fixtureText('openai-chat/chat-stream.response.sse');
    const facts = openAIStreamFacts(ssePayloads(text));
    expect(facts.content).toContain('’'); // a 3-byte UTF-8 sequence to cut
    for (const size of [1, 3, 7]) {
      oa.queue('chat', { fixture: 'openai-chat/chat-stream.response.sse', splitBytes: size });
      const stream = await alice.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true });
      let content = '';
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        content += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      expect(content).toBe(facts.content);
      expect(finish).toBe(facts.finishReason);
    }
    const tools = openAIStreamFacts(ssePayloads(fixtureText('openai-chat/chat-stream-tool-call.response.sse')));
    oa.queue('chat', { fixture: 'openai-chat/chat-stream-tool-call.response.sse', splitBytes: 3 });
    const final = await alice.chat.completions
      .stream({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'weather in NYC?' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
        stream_options: { include_usage: true },
      })
      .finalChatCompletion();
    const call0 = final.choices[0]!.message.tool_calls![0]!;
    expect(call0.type === 'function' && [call0.id, call0.function.name, call0.function.arguments]).toEqual([tools.toolCalls[0]!.id, 'get_weather', tools.toolCalls[0]!.arguments]);
    expect(final.usage?.total_tokens).toBe(tools.usage!.total_tokens);
  });

  it('a stream cut by the provider before its end is an error the SDK raises, not a silent end', async () => {
    oa.queue('chat', { fixture: 'openai-chat/chat-stream.response.sse', truncateAfterFrames: 3, chunkDelayMs: 20 });
    const { data: stream, response } = await alice.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream: true }).withResponse();
    let text = '';
    const err = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(text.length).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('ai.stream_failed');
    const t = await traceOf(gw.admin, response.headers.get('x-request-id'));
    expect(t.annotations?.ai).toMatchObject({ error: 'ai.stream_failed', usage_source: expect.stringMatching(/partial|estimated/) });
    expect(t.entries.some((e) => e.code === 'ai.stream_failed')).toBe(true);
  });

  it('tools, non-streaming: tool calls come back as the SDK expects', async () => {
    const r = await alice.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'weather in Boston?' }],
      tools: [{ type: 'function', function: { name: 'get_current_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
      tool_choice: 'auto',
    });
    expect(r.choices[0]!.finish_reason).toBe('tool_calls');
    const call0 = r.choices[0]!.message.tool_calls![0]!;
    expect(call0.type === 'function' && call0.function.name).toBe('get_current_weather');
    expect(call0.type === 'function' && JSON.parse(call0.function.arguments)).toEqual({ location: 'Boston, MA', unit: 'fahrenheit' });
  });

  it('OpenAI SDK → Anthropic provider (translated), non-streaming, via an alias', async () => {
    const { data, response } = await alice.chat.completions.create({ model: 'smart', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }] }).withResponse();
    expect(data.choices[0]!.message.content).toBe('The capital of France is Paris.');
    expect(data.usage).toMatchObject({ prompt_tokens: 20, completion_tokens: 10 });
    expect(response.headers.get('x-sluice-provider')).toBe('anthropic');
    const sent = an.seen.at(-1)!;
    expect(sent.url).toBe('/v1/messages');
    expect(sent.body['model']).toBe('claude-haiku-4-5');
    expect(sent.body['system']).toBeDefined();
    expect(sent.headers['x-api-key']).toBe('sk-ant-upstream');
  });

  it('parallel tool calls streamed from Anthropic arrive as OpenAI tool-call deltas with indices 0 and 1', async () => {
    const stream = await alice.chat.completions.create({
      model: 'claude-haiku',
      messages: [{ role: 'user', content: 'Two pelican names, please' }],
      tools: [{ type: 'function', function: { name: 'pelican_name_generator', parameters: { type: 'object', properties: {} } } }],
      parallel_tool_calls: true,
      stream: true,
    });
    const calls = new Map<number, { id?: string; name?: string; args: string }>();
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      for (const tc of chunk.choices[0]?.delta.tool_calls ?? []) {
        const c = calls.get(tc.index) ?? { args: '' };
        if (tc.id) c.id = tc.id;
        if (tc.function?.name) c.name = tc.function.name;
        c.args += tc.function?.arguments ?? '';
        calls.set(tc.index, c);
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect([...calls.keys()]).toEqual([0, 1]);
    expect(calls.get(0)).toMatchObject({ id: 'toolu_01LtHJmixrs9NcWQkK8hu8hj', name: 'pelican_name_generator' });
    expect(calls.get(1)).toMatchObject({ id: 'toolu_01N8a4jWyf116qKTMqKKmjyt', name: 'pelican_name_generator' });
    expect(finish).toBe('tool_calls');
  });

  it('embeddings', async () => {
    const { data, response } = await alice.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' }).withResponse();
    expect(data.data[0]!.embedding.length).toBeGreaterThan(100);
    expect(data.usage.prompt_tokens).toBeGreaterThan(0);
    const t = await traceOf(gw.admin, response.headers.get('x-request-id'));
    expect(t.annotations?.ai).toMatchObject({ api: 'embeddings', provider: 'openai', usage_source: 'provider' });
  });

  it('GET /v1/models lists only the models the caller may use (aliases too, hidden ones never)', async () => {
    const all: string[] = [];
    for await (const m of alice.models.list()) all.push(m.id);
    expect(all.sort()).toEqual(['claude-haiku', 'fast', 'gpt-4o', 'smart', 'text-embedding-3-small']);
    const bob = new OpenAI({ apiKey: BOB, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const mine: string[] = [];
    for await (const m of bob.models.list()) mine.push(m.id);
    expect(mine.sort()).toEqual(['fast', 'gpt-4o']);
    expect((await alice.models.retrieve('gpt-4o')).id).toBe('gpt-4o');
    await expect(bob.models.retrieve('claude-haiku')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('gateway denials are the SDK\'s typed errors, with the Sluice code and request id', async () => {
    const anon = new OpenAI({ apiKey: 'sk-sluice-unknown-0123456789', baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const e1 = await anon.chat.completions.create({ model: 'gpt-4o', messages: [] }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((e1 as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('auth.key_unknown');
    expect((e1 as InstanceType<typeof OpenAI.AuthenticationError>).requestID).toMatch(/^[0-9a-f-]{36}$/);

    const bob = new OpenAI({ apiKey: BOB, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const e2 = await bob.chat.completions.create({ model: 'claude-haiku', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((e2 as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe('model.not_permitted');
    expect((e2 as Error).message).toContain('claude-haiku');

    const e3 = await alice.chat.completions.create({ model: 'gpt-5-nope', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(OpenAI.NotFoundError);
    expect((e3 as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model.not_found');

    const e4 = await alice.chat.completions.create({ model: 'gpt-4o' } as never).catch((e: unknown) => e);
    expect(e4).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e4 as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('ai.invalid_request');
    expect((e4 as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages');

    const e5 = await alice.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: '' } }] }] }).catch((e: unknown) => e);
    expect(e5).toBeInstanceOf(OpenAI.BadRequestError);
    expect((e5 as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('messages[0].content[0].image_url.url');
  });

  it('an upstream 429 becomes openai.RateLimitError saying it was the upstream, with Retry-After', async () => {
    oa.queue('chat', { status: 429, fixture: 'openai-chat/error-429-rate-limit-exceeded.response.json', headers: { 'retry-after': '7' } });
    const e = await alice.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'x' }] }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.RateLimitError);
    const err = e as InstanceType<typeof OpenAI.RateLimitError>;
    expect(err.code).toBe('ai.upstream_rate_limited');
    expect(err.headers?.get('retry-after')).toBe('7');
    // the key cools down for 7 s: the next request finds no usable key and says when to come back
    const e2 = await alice.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'x' }] }).catch((x: unknown) => x);
    expect((e2 as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((e2 as InstanceType<typeof OpenAI.APIError>).code).toBe('ai.no_target');
    expect(Number((e2 as InstanceType<typeof OpenAI.APIError>).headers?.get('retry-after'))).toBeGreaterThan(4);
  });

  it('an upstream error after the 200 becomes an error event the SDK raises', async () => {
    // A recorded Anthropic stream cut after its first text delta, followed by the recorded mid-stream overload.
    const frames = sseFrames(fixtureText('anthropic/messages-stream-text.response.sse'));
    const cut = frames.findIndex((f) => f.includes('content_block_delta'));
    an.queue('messages', { sseBody: frames.slice(0, cut + 1).join('') + fixtureText('anthropic/stream-error-overloaded.sse') });
    const stream = await alice.chat.completions.create({ model: 'claude-haiku', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    const err = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    expect(text.length).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toMatch(/Overloaded/i);
    expect((err as InstanceType<typeof OpenAI.APIError>).code).toBe('ai.stream_failed');
  });

  it('raw HTTP: the gateway answers its own problems in the OpenAI error shape', async () => {
    const r = await call(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${ALICE}`, 'content-type': 'application/json' }, body: '{"model":' });
    expect(r.status).toBe(400);
    expect(r.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'ai.invalid_request', param: null } });
  });
});
