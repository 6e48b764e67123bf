import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureJson, fixtureText } from '../../src/core/llm/test-support/fixtures.js';
import { anthropicStreamFacts, openAIStreamFacts, ssePayloads } from '../../src/ai/providers/test-support/oracle.js';
import { startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { consumer, traceOf } from '../../src/test-support/llm-mocks/helpers.js';
import { sseFrames, startLlmMock, type LlmMock } from '../../src/test-support/llm-mocks/server.js';

/**
 * The official `@anthropic-ai/sdk` against Sluice: Anthropic-SDK users reach OpenAI models (translated)
 * and Anthropic models, and get the SDK's typed errors with Sluice's reason code as `errorCode`.
 */
const KEY = 'sk-sluice-anthropic-user-01';
const LIMITED = 'sk-sluice-limited-user-0001';
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

describe('AI gateway: Anthropic SDK', () => {
  let oa: LlmMock;
  let an: LlmMock;
  let gw: TestGateway;
  let client: Anthropic;

  beforeAll(async () => {
    oa = await startLlmMock('openai');
    an = await startLlmMock('anthropic');
    gw = await startGateway({
      ai: {
        providers: [
          { id: 'openai', type: 'openai', base_url: `${oa.url}/v1`, keys: [{ id: 'k', secret: 'plain:sk-upstream-openai' }] },
          { id: 'anthropic', type: 'anthropic', base_url: an.url, keys: [{ id: 'k', secret: 'plain:sk-ant-upstream' }] },
        ],
        models: [
          { name: 'gpt-4o', targets: [{ provider: 'openai', model: 'gpt-4o' }] },
          { name: 'claude-sonnet', targets: [{ provider: 'anthropic', model: 'claude-sonnet-4-5' }] },
        ],
      },
      services: [{ id: 'llm', kind: 'ai' }],
      routes: [
        { id: 'anthropic-api', service: 'llm', paths: ['/v1/messages'], policies: [{ name: 'key-auth' }] },
        { id: 'models', service: 'llm', paths: ['/v1/models'], policies: [{ name: 'key-auth' }] },
      ],
      consumers: [consumer('dev', KEY), consumer('limited', LIMITED, { policies: [{ name: 'model-access', config: { allow: ['claude-*'] } }] })],
    });
    client = new Anthropic({ apiKey: KEY, baseURL: gw.url, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
    await oa.close();
    await an.close();
  });

  it('Anthropic SDK → OpenAI provider, non-streaming, with a system prompt', async () => {
    const expected = fixtureJson<{ choices: { message: { content: string } }[] }>('openai-chat/chat-basic.response.json');
    const { data, response } = await client.messages.create({ model: 'gpt-4o', max_tokens: 256, system: 'Be brief.', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(data.type).toBe('message');
    expect(data.content[0]).toEqual({ type: 'text', text: expected.choices[0]!.message.content });
    expect(data.usage.input_tokens).toBe(8);
    expect(data.usage.output_tokens).toBe(377);
    expect(response.headers.get('x-sluice-provider')).toBe('openai');
    expect(response.headers.get('request-id')).toBe(response.headers.get('x-request-id'));
    const sent = oa.seen.at(-1)!;
    expect(sent.url).toBe('/v1/chat/completions');
    expect((sent.body['messages'] as { role: string }[])[0]!.role).toMatch(/system|developer/);
  });

  it('Anthropic SDK → OpenAI provider, streaming: text and usage arrive as Anthropic events', async () => {
    // The usage capture spent its 100 tokens reasoning (no text): its usage and stop reason arrive.
    const usage = await client.messages.stream({ model: 'gpt-4o', max_tokens: 256, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(usage.content).toEqual([]);
    expect(usage.usage).toMatchObject({ input_tokens: 12, output_tokens: 100, cache_read_input_tokens: 0 });
    expect(usage.stop_reason).toBe('max_tokens');
    // A capture with text: the deltas arrive as text events of one text block.
    oa.queue('chat', { fixture: 'openai-chat/chat-stream.response.sse' });
    const stream = client.messages.stream({ model: 'gpt-4o', max_tokens: 256, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    expect(text).toBe(openAIStreamFacts(ssePayloads(fixtureText('openai-chat/chat-stream.response.sse'))).content);
    expect(final.content).toHaveLength(1);
    expect(final.content[0]).toMatchObject({ type: 'text', text });
    expect(final.stop_reason).toBe('end_turn');
  });

  it('tools: an OpenAI tool call comes back as a tool_use block', async () => {
    const r = await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 256,
      tools: [{ name: 'get_current_weather', description: 'Weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }],
      messages: [{ role: 'user', content: 'Weather in Boston?' }],
    });
    expect(r.stop_reason).toBe('tool_use');
    const block = r.content.find((b) => b.type === 'tool_use');
    expect(block).toMatchObject({ type: 'tool_use', id: 'call_8fxy20OEu9ulvvaa5b5CzVA4', name: 'get_current_weather', input: { location: 'Boston, MA', unit: 'fahrenheit' } });
  });

  it('images: an Anthropic image block reaches OpenAI as an image_url data URL', async () => {
    await client.messages.create({
      model: 'gpt-4o',
      max_tokens: 64,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1X1 } }, { type: 'text', text: 'What is this?' }] }],
    });
    const parts = (oa.seen.at(-1)!.body['messages'] as { content: unknown }[]).at(-1)!.content as { type: string; image_url?: { url: string } }[];
    expect(parts.find((p) => p.type === 'image_url')?.image_url?.url).toBe(`data:image/png;base64,${PNG_1X1}`);
  });

  it('Anthropic → Anthropic, and usage with cache counters in the annotation', async () => {
    const { data, response } = await client.messages.create({ model: 'claude-sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'Capital of France?' }] }).withResponse();
    expect(data.content[0]).toMatchObject({ type: 'text', text: 'The capital of France is Paris.' });
    expect(an.seen.at(-1)!.body['model']).toBe('claude-sonnet-4-5');
    const t = await traceOf(gw.admin, response.headers.get('x-request-id'));
    expect(t.annotations?.ai).toMatchObject({ api: 'messages', provider: 'anthropic', tokens: { input: 20, output: 10, cached: 0 } });
  });

  it('Anthropic → Anthropic streaming, with the upstream bytes split anywhere: the capture\'s tool calls and text', async () => {
    const file = 'anthropic/messages-stream-tool-roundtrip.1.response.sse';
    const facts = anthropicStreamFacts(ssePayloads(fixtureText(file)));
    expect(Buffer.byteLength(facts.text)).toBeGreaterThan(facts.text.length); // multi-byte UTF-8 sequences to cut
    for (const size of [1, 3, 7]) {
      an.queue('messages', { fixture: file, splitBytes: size });
      const final = await client.messages.stream({ model: 'claude-sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
      expect(final.content.filter((b) => b.type === 'text').map((b) => (b as { text: string }).text).join('')).toBe(facts.text);
      expect(final.stop_reason).toBe(facts.stopReason);
      expect(final.usage.output_tokens).toBe(facts.usage['output_tokens']);
    }
  });

  it('an upstream `event: error` after the 200 reaches the SDK as its APIError, after the text already sent', async () => {
    const frames = sseFrames(fixtureText('anthropic/messages-stream-text.response.sse'));
    const cut = frames.findIndex((f) => f.includes('content_block_delta'));
    an.queue('messages', { sseBody: frames.slice(0, cut + 1).join('') + fixtureText('anthropic/stream-error-overloaded.sse') });
    const stream = client.messages.stream({ model: 'claude-sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    stream.on('text', (t) => (text += t));
    const err = await stream.finalMessage().catch((e: unknown) => e);
    expect(text.length).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    const e = err as InstanceType<typeof Anthropic.APIError>;
    expect(e.type).toBe('overloaded_error');
    expect(e.errorCode).toBe('ai.stream_failed');
    expect(e.message).toMatch(/Overloaded/);
  });

  it('gzip-encoded Anthropic SSE is decoded', async () => {
    an.queue('messages', { fixture: 'anthropic/messages-stream-text.response.sse', gzip: true });
    const final = await client.messages.stream({ model: 'claude-sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: anthropicStreamFacts(ssePayloads(fixtureText('anthropic/messages-stream-text.response.sse'))).text });
  });

  it('a client that aborts its stream aborts the upstream request', async () => {
    an.queue('messages', { fixture: 'anthropic/messages-stream-text.response.sse', chunkDelayMs: 200 });
    const before = an.aborted();
    const stream = client.messages.stream({ model: 'claude-sonnet', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });
    const ended = stream.done().catch((e: unknown) => e);
    await new Promise<void>((resolve) => stream.on('streamEvent', () => resolve()));
    stream.abort();
    expect(await ended).toBeInstanceOf(Anthropic.APIUserAbortError);
    for (let i = 0; i < 50 && an.aborted() === before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(an.aborted()).toBe(before + 1);
  });

  it('models.list in Anthropic\'s shape', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) {
      expect(m.type).toBe('model');
      ids.push(m.id);
    }
    expect(ids.sort()).toEqual(['claude-sonnet', 'gpt-4o']);
  });

  it('denials are the SDK\'s typed errors: errorCode is the Sluice reason code, requestID the request id', async () => {
    // SDK v1 sends no credential only when the Authorization header is explicitly omitted too.
    const nokey = new Anthropic({ apiKey: null, authToken: null, baseURL: gw.url, maxRetries: 0, defaultHeaders: { 'x-api-key': null, authorization: null } });
    const e1 = await nokey.messages.create({ model: 'gpt-4o', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(Anthropic.AuthenticationError);
    const a1 = e1 as InstanceType<typeof Anthropic.AuthenticationError>;
    expect(a1.errorCode).toBe('auth.key_missing');
    expect(a1.type).toBe('authentication_error');
    expect(a1.requestID).toMatch(/^[0-9a-f-]{36}$/);

    const limited = new Anthropic({ apiKey: LIMITED, baseURL: gw.url, maxRetries: 0 });
    const e2 = await limited.messages.create({ model: 'gpt-4o', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect((e2 as InstanceType<typeof Anthropic.PermissionDeniedError>).errorCode).toBe('model.not_permitted');
    expect((e2 as InstanceType<typeof Anthropic.PermissionDeniedError>).apiMessage).toContain('gpt-4o');

    const e3 = await client.messages.create({ model: 'nope', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(e3).toBeInstanceOf(Anthropic.NotFoundError);
    expect((e3 as InstanceType<typeof Anthropic.NotFoundError>).errorCode).toBe('model.not_found');
  });

  it('an upstream failure is the SDK\'s 5xx error saying it was the upstream', async () => {
    oa.queue('chat', { status: 500, body: '{"error":{"message":"boom","type":"server_error"}}' }, { status: 500, body: '{}' }, { status: 500, body: '{}' });
    const e = await client.messages.create({ model: 'gpt-4o', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Anthropic.InternalServerError);
    const err = e as InstanceType<typeof Anthropic.InternalServerError>;
    expect(err.status).toBe(502);
    expect(err.errorCode).toBe('ai.upstream_failed');
    expect(err.type).toBe('api_error');
  });
});
