import { describe, expect, it } from 'vitest';
import { fixtureBytes, fixtureFiles, fixtureJson, fixtureLines, fixtureText, toSse } from '../../../core/llm/test-support/fixtures.js';
import { expectGoldenJson } from '../../../core/llm/test-support/golden.js';
import type { ChatRequest } from '../../../core/llm/types.js';
import { anthropicStreamFacts, ssePayloads } from '../test-support/oracle.js';
import { assemble, enc, exchange, replay, replayAllSplits } from '../test-support/replay.js';
import { anthropic } from './index.js';

const basic: ChatRequest = { model: 'claude', messages: [{ role: 'user', content: 'Hi' }], stream: false };
const ex = (r: Partial<ChatRequest> = {}) => exchange({ ...basic, ...r }, { baseUrl: 'https://api.anthropic.com/v1' });

describe('anthropic adapter: requests', () => {
  it('sends x-api-key, anthropic-version and a default max_tokens', () => {
    const call = anthropic.chat.buildRequest(ex());
    expect(call.url).toBe('https://api.anthropic.com/v1/messages');
    expect(call.headers).toMatchObject({ 'x-api-key': 'sk-test', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' });
    expect(JSON.parse(call.body as string)).toEqual({ model: 'test-model', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4096 });
  });

  it('a tool result keeps its block form when a text part carries a cache hint, and its own hint', () => {
    const body = JSON.parse(
      anthropic.chat.buildRequest(
        ex({
          messages: [
            { role: 'assistant', content: null, toolCalls: [{ id: 'call_a', name: 'f', arguments: '{}' }, { id: 'call_b', name: 'f', arguments: '{}' }] },
            { role: 'tool', toolCallId: 'call_a', content: [{ type: 'text', text: 'long result', cache: { type: 'ephemeral' } }] },
            { role: 'tool', toolCallId: 'call_b', content: [{ type: 'text', text: 'x' }, { type: 'text', text: 'y' }], cache: { type: 'ephemeral', ttl: '1h' } },
          ],
        }),
      ).body as string,
    );
    expect(body.messages[1].content).toEqual([
      { type: 'tool_result', tool_use_id: 'call_a', content: [{ type: 'text', text: 'long result', cache_control: { type: 'ephemeral' } }] },
      { type: 'tool_result', tool_use_id: 'call_b', content: 'xy', cache_control: { type: 'ephemeral', ttl: '1h' } },
    ]);
  });

  it('moves system text to `system`, groups parallel tool results in one user turn, parses arguments', () => {
    const req: ChatRequest = {
      ...basic,
      stream: true,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: 'Checking.',
          toolCalls: [
            { id: 'call_a', name: 'weather', arguments: '{"city":"Paris"}' },
            { id: 'call_b', name: 'weather', arguments: '{"city":"Rome"}' },
          ],
        },
        { role: 'tool', toolCallId: 'call_a', content: '18C' },
        { role: 'tool', toolCallId: 'call_b', content: '24C', isError: true },
        { role: 'user', content: [{ type: 'text', text: 'Thanks' }, { type: 'image', source: { kind: 'url', url: 'https://x.test/a.png' } }] },
      ],
      tools: [{ name: 'weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }],
      toolChoice: 'required',
      parallelToolCalls: false,
      stop: ['END'],
      temperature: 1.5,
      user: 'user-7',
      reasoning: { effort: 'low' },
    };
    const body = JSON.parse(anthropic.chat.buildRequest(ex(req)).body as string);
    expect(body.system).toBe('You are terse.');
    expect(body.messages).toHaveLength(3);
    expect(body.messages[2].content.map((b: { type: string }) => b.type)).toEqual(['tool_result', 'tool_result', 'text', 'image']);
    expect(body.messages[1].content[1]).toEqual({ type: 'tool_use', id: 'call_a', name: 'weather', input: { city: 'Paris' } });
    expect(body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(body.temperature).toBe(1);
    expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(body.max_tokens).toBe(2048 + 4096);
    expectGoldenJson('anthropic/request-tool-roundtrip', body);
  });

  it('refuses what Anthropic cannot do, naming the parameter', () => {
    expect(() => anthropic.chat.buildRequest(ex({ n: 2 }))).toThrow(expect.objectContaining({ error: expect.objectContaining({ param: 'n', status: 400 }) }));
    expect(() =>
      anthropic.chat.buildRequest(ex({ messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'c', name: 'f', arguments: '[1' }] }] })),
    ).toThrow(expect.objectContaining({ error: expect.objectContaining({ param: 'messages[0].tool_calls[0].function.arguments' }) }));
  });
});

describe('anthropic adapter: responses', () => {
  it('messages-basic: text, end_turn → stop, usage', () => {
    const { response, usage } = anthropic.chat.parseResponse(ex(), fixtureBytes('anthropic/messages-basic.response.json'), {});
    expect(response.choices[0]).toMatchObject({ finishReason: 'stop', message: { content: 'The capital of France is Paris.' } });
    expect(usage).toEqual({ inputTokens: 20, outputTokens: 10, totalTokens: 30, cachedInputTokens: 0, cacheCreationInputTokens: 0 });
    expect(response).toMatchObject({ id: 'msg_01Fg1JVgvCYUHWsxrj9GkpEv', model: 'claude-3-opus-20240229' });
  });

  it('messages-parallel-tool-use: four tool calls in order, arguments as JSON', () => {
    const { response } = anthropic.chat.parseResponse(ex(), fixtureBytes('anthropic/messages-parallel-tool-use.0.response.json'), {});
    const calls = response.choices[0]!.message.toolCalls!;
    expect(calls.map((c) => JSON.parse(c.arguments).name)).toEqual(['Alice', 'Bob', 'Charlie', 'Daisy']);
    expect(calls[0]!.id).toBe('toolu_0167cfEnoQaPviGdVXA95zcu');
    expect(response.choices[0]!.finishReason).toBe('tool_calls');
    expectGoldenJson('anthropic/response-parallel-tool-use', response);
  });
});

const streams = [
  ...fixtureFiles('anthropic', '.sse').filter((f) => !f.includes('error')).map((f) => ({ name: f, bytes: fixtureBytes(f), payloads: ssePayloads(fixtureText(f)) })),
  ...['anthropic/stream-tool-use-args.chunks.jsonl'].map((f) => ({ name: f, bytes: toSse(fixtureLines(f), { eventFromType: true }), payloads: fixtureLines(f) })),
];

describe('anthropic adapter: streams (every split)', () => {
  for (const s of streams) {
    it(`${s.name}: text, tool calls, stop reason and usage match the capture`, () => {
      const facts = anthropicStreamFacts(s.payloads);
      const r = replayAllSplits(() => anthropic.chat.createStreamTranslator(ex({ stream: true })), s.bytes);
      expect(r.error).toBeUndefined();
      expect(r.done).toBe(true);
      const [c] = assemble(r.chunks);
      expect(c!.role).toBe('assistant');
      expect(c!.content).toBe(facts.text);
      expect(c!.reasoning).toBe(facts.thinking);
      // A tool without input streams "" fragments; clients get "{}".
      expect(c!.toolCalls).toEqual(facts.toolCalls.map((t) => ({ ...t, arguments: t.arguments === '' ? '{}' : t.arguments })));
      expect(c!.finishReason).toBe({ tool_use: 'tool_calls', end_turn: 'stop', max_tokens: 'length' }[facts.stopReason!]);
      const u = facts.usage;
      const cached = u.cache_read_input_tokens ?? 0;
      const created = u.cache_creation_input_tokens ?? 0;
      expect(r.usage).toMatchObject({ inputTokens: u.input_tokens! + cached + created, outputTokens: u.output_tokens });
      expectGoldenJson(`anthropic/stream-${s.name.split('/')[1]!.replace(/(\.response)?\.(sse|chunks\.jsonl)$/, '')}`, r);
    });
  }

  it('turns `event: error` after a 200 into an error step (overloaded, 529)', () => {
    const r = replay(anthropic.chat.createStreamTranslator(ex({ stream: true })), [fixtureBytes('anthropic/stream-error-overloaded.sse')]);
    expect(r.error).toEqual({ status: 529, kind: 'overloaded', message: 'Overloaded', providerCode: 'overloaded_error' });
    expect(r.done).toBe(true);
  });

  it('keeps the usage seen before a mid-stream error, and reports truncation', () => {
    const text = fixtureText('anthropic/messages-stream-text.response.sse');
    const cut = text.slice(0, text.indexOf('event: message_delta'));
    const errored = replay(anthropic.chat.createStreamTranslator(ex({ stream: true })), [enc.encode(cut), fixtureBytes('anthropic/stream-error-overloaded.sse')]);
    expect(errored.error?.kind).toBe('overloaded');
    expect(errored.usage?.inputTokens).toBeGreaterThan(0);
    const truncated = replay(anthropic.chat.createStreamTranslator(ex({ stream: true })), [enc.encode(cut)]);
    expect(truncated.error).toMatchObject({ kind: 'server', status: 502 });
    expect(truncated.done).toBe(true);
  });
});

describe('anthropic adapter: errors', () => {
  const headersOf = (name: string) => fixtureJson<{ response_headers?: Record<string, string[]> }>(`anthropic/${name}.http.json`).response_headers ?? {};
  const cases: [string, number, string, string][] = [
    ['error-400-invalid-request', 400, 'invalid_request', 'invalid_request_error'],
    ['error-401-authentication', 401, 'auth', 'authentication_error'],
    ['error-404-not-found-count-tokens', 404, 'not_found', 'not_found_error'],
    ['error-529-overloaded', 529, 'overloaded', 'overloaded_error'],
  ];
  for (const [name, status, kind, code] of cases) {
    it(`${name} → ${kind}`, () => {
      const raw = fixtureJson<{ error: { message: string }; request_id?: string }>(`anthropic/${name}.response.json`);
      const e = anthropic.parseError(status, headersOf(name), fixtureBytes(`anthropic/${name}.response.json`));
      expect(e).toMatchObject({ status, kind, providerCode: code, message: raw.error.message });
      if (raw.request_id) expect(e.requestId).toBe(raw.request_id);
    });
  }

  it('reads x-should-retry and request-id headers (529 capture)', () => {
    const e = anthropic.parseError(529, headersOf('error-529-overloaded'), fixtureBytes('anthropic/error-529-overloaded.response.json'));
    expect(e).toMatchObject({ retryable: true, requestId: 'req_01RCc7MbLyQNtGKzBTv8VCep' });
  });
});
