import { describe, expect, it } from 'vitest';
import { ProviderFailure } from '../../../core/llm/errors.js';
import { fixtureBytes, fixtureJson, fixtureText } from '../../../core/llm/test-support/fixtures.js';
import { expectGoldenJson } from '../../../core/llm/test-support/golden.js';
import type { ChatRequest } from '../../../core/llm/types.js';
import { openAIStreamFacts, ssePayloads } from '../test-support/oracle.js';
import { assemble, exchange, replayAllSplits } from '../test-support/replay.js';
import { openai } from './index.js';

const basic: ChatRequest = { model: 'gpt', messages: [{ role: 'user', content: 'Hi' }], stream: false };

describe('openai adapter: requests', () => {
  it('builds a Chat Completions call with bearer auth, organization/project headers and max_completion_tokens', () => {
    const call = openai.chat.buildRequest(
      exchange({ ...basic, maxTokens: 100, user: 'u1', metadata: { a: 'b' } }, { baseUrl: 'https://api.openai.com/v1', organization: 'org-1', project: 'proj-1' }),
    );
    expect(call.url).toBe('https://api.openai.com/v1/chat/completions');
    expect(call.headers).toMatchObject({ authorization: 'Bearer sk-test', 'openai-organization': 'org-1', 'openai-project': 'proj-1', 'content-type': 'application/json' });
    expect(JSON.parse(call.body as string)).toEqual({
      model: 'test-model',
      messages: [{ role: 'user', content: 'Hi' }],
      max_completion_tokens: 100,
      user: 'u1',
      metadata: { a: 'b' },
    });
    expect(call.responseFormat).toBe('json');
  });

  it('asks for stream usage even when the client did not', () => {
    const call = openai.chat.buildRequest(exchange({ ...basic, stream: true, streamUsage: false }));
    expect(JSON.parse(call.body as string)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(call).toMatchObject({ stream: true, responseFormat: 'sse' });
    expect(call.headers.accept).toBe('text/event-stream');
  });

  it('keeps the developer role, tools, tool choice, response format and extra passthrough', () => {
    const req: ChatRequest = {
      model: 'gpt',
      stream: false,
      messages: [
        { role: 'developer', content: 'Be brief' },
        { role: 'user', content: [{ type: 'text', text: 'What is here?' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'AAAA' }, detail: 'low' }] },
        { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'look', arguments: '{"x":1}' }] },
        { role: 'tool', toolCallId: 'call_1', content: 'a cat' },
      ],
      tools: [{ name: 'look', description: 'Look', parameters: { type: 'object', properties: { x: { type: 'number' } } }, strict: true }],
      toolChoice: { name: 'look' },
      parallelToolCalls: false,
      responseFormat: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true },
      reasoning: { effort: 'low' },
      extra: { service_tier: 'flex' },
    };
    expectGoldenJson('openai/request-tools-vision', JSON.parse(openai.chat.buildRequest(exchange(req)).body as string));
  });
});

describe('openai adapter: responses', () => {
  it('parses chat-basic: text, finish, usage with reasoning tokens', () => {
    const { response, usage } = openai.chat.parseResponse(exchange(basic), fixtureBytes('openai-chat/chat-basic.response.json'), {});
    const raw = fixtureJson<{ choices: { message: { content: string } }[]; usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } }>('openai-chat/chat-basic.response.json');
    expect(response.choices[0]!.message.content).toBe(raw.choices[0]!.message.content);
    expect(response.choices[0]!.finishReason).toBe('stop');
    expect(usage).toEqual({ inputTokens: 8, outputTokens: 377, totalTokens: 385, cachedInputTokens: 0, reasoningTokens: 320 });
    expect(response.usage).toBe(usage);
    expect(response).toMatchObject({ id: 'chatcmpl-C4Gm9xikLXbgE8He0BHWeoM03aa72', model: 'gpt-5-nano-2025-08-07', created: 1755133833, serviceTier: 'default' });
  });

  it('parses chat-tools: a tool call with its JSON arguments kept verbatim', () => {
    const { response } = openai.chat.parseResponse(exchange(basic), fixtureBytes('openai-chat/chat-tools.response.json'), {});
    expect(response.choices[0]).toMatchObject({
      finishReason: 'tool_calls',
      message: { content: null, toolCalls: [{ id: 'call_8fxy20OEu9ulvvaa5b5CzVA4', name: 'get_current_weather', arguments: '{"location":"Boston, MA","unit":"fahrenheit"}' }] },
    });
  });

  it('refuses a body that is not JSON with bad_response', () => {
    expect(() => openai.chat.parseResponse(exchange(basic), new TextEncoder().encode('<html>'), {})).toThrow(ProviderFailure);
  });
});

describe('openai adapter: streams (every split)', () => {
  for (const name of ['chat-stream', 'chat-stream-include-usage', 'chat-stream-tool-call', 'chat-stream-tool-call-strict']) {
    it(`${name}: content, tool calls, finish and usage match the capture`, () => {
      const file = `openai-chat/${name}.response.sse`;
      const facts = openAIStreamFacts(ssePayloads(fixtureText(file)));
      const r = replayAllSplits(() => openai.chat.createStreamTranslator(exchange({ ...basic, stream: true })), fixtureBytes(file));
      expect(r.error).toBeUndefined();
      expect(r.done).toBe(true);
      const [choice] = assemble(r.chunks);
      expect(choice!.role).toBe('assistant');
      expect(choice!.content).toBe(facts.content);
      expect(choice!.toolCalls).toEqual(facts.toolCalls);
      expect(choice!.finishReason).toBe(facts.finishReason);
      if (facts.usage) {
        expect(r.usage).toMatchObject({ inputTokens: facts.usage.prompt_tokens, outputTokens: facts.usage.completion_tokens, totalTokens: facts.usage.total_tokens });
      } else expect(r.usage).toBeUndefined();
      // Fingerprint and tier ride on every chunk, as recorded (null: absent).
      const head = JSON.parse(ssePayloads(fixtureText(file))[0]!) as { system_fingerprint?: string | null; service_tier?: string };
      expect(r.chunks.map((c) => [c.systemFingerprint, c.serviceTier])).toEqual(r.chunks.map(() => [head.system_fingerprint ?? undefined, head.service_tier]));
      expectGoldenJson(`openai/stream-${name}`, r);
    });
  }
});

describe('openai adapter: errors', () => {
  const cases: [string, number, string, string | undefined][] = [
    ['error-400-empty-messages', 400, 'invalid_request', 'messages'],
    ['error-400-unsupported-parameter', 400, 'invalid_request', 'max_tokens'],
    ['error-404-model-not-found', 404, 'not_found', undefined],
    ['error-401-invalid-api-key.RECONSTRUCTED', 401, 'auth', undefined],
    ['error-429-insufficient-quota', 429, 'quota', undefined],
    ['error-429-rate-limit-exceeded', 429, 'rate_limit', undefined],
  ];
  for (const [file, status, kind, param] of cases) {
    it(`${file} → ${kind}`, () => {
      const body = fixtureBytes(`openai-chat/${file}.response.json`);
      const raw = fixtureJson<{ error: { message: string; code: string | null } }>(`openai-chat/${file}.response.json`);
      const e = openai.parseError(status, { 'x-request-id': 'req_1', 'retry-after': '2' }, body);
      expect(e).toMatchObject({ status, kind, message: raw.error.message, requestId: 'req_1', retryAfterMs: 2000 });
      expect(e.param).toBe(param);
    });
  }

  it('never throws on empty or non-JSON bodies', () => {
    expect(openai.parseError(502, {}, new Uint8Array())).toMatchObject({ status: 502, kind: 'server' });
    expect(openai.parseError(503, {}, new TextEncoder().encode('<html>busy</html>'))).toMatchObject({ status: 503, kind: 'overloaded', message: '<html>busy</html>' });
  });
});
