import { describe, expect, it } from 'vitest';
import { fixtureFiles, fixtureJson } from '../../../core/llm/test-support/fixtures.js';
import { expectGoldenJson } from '../../../core/llm/test-support/golden.js';
import type { ChatRequest } from '../../../core/llm/types.js';
import { openai } from '../../providers/openai/index.js';
import { exchange } from '../../providers/test-support/replay.js';
import type { DialectError } from '../contract.js';
import { openaiDialect } from './index.js';

const parse = (body: unknown): ChatRequest => {
  const r = openaiDialect.parseChatRequest(body);
  if (!r.ok) throw new Error(`refused: ${r.error.param ?? ''}: ${r.error.message}`);
  return r.value;
};

const refusal = (body: unknown): DialectError => {
  const r = openaiDialect.parseChatRequest(body);
  if (r.ok) throw new Error('accepted');
  return r.error;
};

/** The OpenAI body the OpenAI adapter sends for a parsed request (same-dialect round trip). */
const rebuilt = (req: ChatRequest): Record<string, unknown> => JSON.parse(openai.chat.buildRequest(exchange(req, { providerModel: req.model })).body as string) as Record<string, unknown>;

/**
 * What OpenAI → OpenAI changes on purpose, nothing else: `max_tokens` is sent as
 * `max_completion_tokens` (reasoning models refuse the former), streams ask for usage.
 */
function normalised(body: Record<string, unknown>): Record<string, unknown> {
  const out = { ...body };
  if (out['max_tokens'] !== undefined) {
    out['max_completion_tokens'] = out['max_tokens'];
    delete out['max_tokens'];
  }
  if (out['stream'] === true) out['stream_options'] = { include_usage: true };
  return out;
}

const requests = fixtureFiles('openai-chat', '.request.json').filter((f) => !f.includes('/error-'));

describe('openai dialect: recorded requests', () => {
  for (const file of requests) {
    const name = file.slice('openai-chat/'.length, -'.request.json'.length);
    it(`${name}: parsed into the canonical request (golden), and sent to OpenAI unchanged`, () => {
      const body = fixtureJson<Record<string, unknown>>(file);
      const req = parse(body);
      expectGoldenJson(`dialects/openai/request-${name}`, req);
      expect(rebuilt(req)).toEqual(normalised(body));
    });
  }

  it('error-400-empty-messages: refused for the parameter OpenAI named, with its code', () => {
    const recorded = fixtureJson<{ error: { param: string; code: string } }>('openai-chat/error-400-empty-messages.response.json').error;
    const e = refusal(fixtureJson('openai-chat/error-400-empty-messages.request.json'));
    expect(e).toMatchObject({ status: 400, type: 'invalid_request_error', param: recorded.param, code: recorded.code });
    expect(e.message).toBe("Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.");
  });

  it('error-400-unsupported-parameter: refused for the parameter OpenAI named (max_tokens: 0 is below the minimum)', () => {
    const recorded = fixtureJson<{ error: { param: string } }>('openai-chat/error-400-unsupported-parameter.response.json').error;
    expect(refusal(fixtureJson('openai-chat/error-400-unsupported-parameter.request.json'))).toMatchObject({ param: recorded.param, code: 'integer_below_min_value' });
  });
});

describe('openai dialect: the whole Chat Completions surface round-trips to OpenAI', () => {
  const full = {
    model: 'gpt-4o',
    messages: [
      { role: 'developer', content: 'Answer in JSON.' },
      { role: 'system', content: [{ type: 'text', text: 'Be brief.' }], name: 'policy' },
      {
        role: 'user',
        name: 'alice',
        content: [
          { type: 'text', text: 'What is in these?' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'high' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0=', filename: 'a.pdf' } },
        ],
      },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'look', arguments: '{"x":1}' } }, { id: 'call_2', type: 'function', function: { name: 'look', arguments: '{"x":2}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'a dog' }] },
      { role: 'assistant', content: 'Sorry.', refusal: 'I cannot help with that.' },
      { role: 'user', content: 'Go on.' },
    ],
    tools: [{ type: 'function', function: { name: 'look', description: 'Look closer', parameters: { type: 'object', properties: { x: { type: 'number' } } }, strict: true } }],
    tool_choice: { type: 'function', function: { name: 'look' } },
    parallel_tool_calls: false,
    response_format: { type: 'json_schema', json_schema: { name: 'answer', description: 'The answer', schema: { type: 'object' }, strict: true } },
    temperature: 0.2,
    top_p: 0.9,
    max_completion_tokens: 300,
    stop: ['END', 'STOP'],
    seed: 7,
    n: 2,
    frequency_penalty: 0.5,
    presence_penalty: -0.5,
    logit_bias: { '50256': -100 },
    logprobs: true,
    top_logprobs: 3,
    stream: true,
    stream_options: { include_usage: true },
    user: 'user-42',
    reasoning_effort: 'low',
    metadata: { team: 'search' },
    // Not modelled: passed through to OpenAI-wire upstreams as sent.
    store: true,
    service_tier: 'flex',
    prediction: { type: 'content', content: '{}' },
    verbosity: 'low',
  };

  it('every modelled field and every passthrough field reaches OpenAI as sent', () => {
    const req = parse(full);
    expect(req.passthrough).toEqual({ dialect: 'openai', fields: { store: true, service_tier: 'flex', prediction: { type: 'content', content: '{}' }, verbosity: 'low' } });
    expect(req.streamUsage).toBe(true);
    const sent = rebuilt(req);
    // Text-only part arrays go out as strings (compatible servers refuse arrays there); the same text.
    const expected = normalised(full) as typeof full;
    const messages = expected.messages.map((m) => (Array.isArray(m.content) && m.content.every((p) => p.type === 'text') ? { ...m, content: m.content.map((p) => (p as { text: string }).text).join('') } : m));
    expect(sent).toEqual({ ...expected, messages });
  });

  it('the canonical form of that request (golden)', () => expectGoldenJson('dialects/openai/request-full', parse(full)));

  it('a stop string, max_tokens and null optional fields', () => {
    const req = parse({ model: 'm', messages: [{ role: 'user', content: 'x' }], stop: 'END', max_tokens: 5, temperature: null, tools: null, user: null });
    expect(req).toEqual({ model: 'm', messages: [{ role: 'user', content: 'x' }], stop: ['END'], maxTokens: 5, stream: false });
  });

  it('tool-call ids carrying a thought signature are split back (Gemini round trip)', () => {
    const req = parse({
      model: 'm',
      messages: [
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_9__thought__c2ln', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_9__thought__c2ln', content: 'ok' },
      ],
    });
    expect(req.messages[0]!.toolCalls).toEqual([{ id: 'call_9', name: 'f', arguments: '{}', signature: 'c2ln' }]);
    expect(req.messages[1]!.toolCallId).toBe('call_9');
  });

  it('cache_control hints on parts and reasoning_content on assistant turns are kept for providers that use them', () => {
    const req = parse({
      model: 'm',
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'long context', cache_control: { type: 'ephemeral', ttl: '1h' } }] },
        { role: 'assistant', content: 'ok', reasoning_content: 'thinking…' },
      ],
    });
    expect(req.messages[0]!.content).toEqual([{ type: 'text', text: 'long context', cache: { type: 'ephemeral', ttl: '1h' } }]);
    expect(req.messages[1]!.reasoning).toEqual([{ text: 'thinking…' }]);
  });
});

describe('openai dialect: refusals name the parameter', () => {
  const ok = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] };
  const cases: [string, unknown, string, string][] = [
    ['no model', { messages: ok.messages }, 'model', 'missing_required_parameter'],
    ['model not a string', { ...ok, model: 4 }, 'model', 'invalid_type'],
    ['no messages', { model: 'm' }, 'messages', 'missing_required_parameter'],
    ['messages not an array', { model: 'm', messages: 'hi' }, 'messages', 'invalid_type'],
    ['unknown role', { model: 'm', messages: [{ role: 'bot', content: 'x' }] }, 'messages[0].role', 'invalid_value'],
    ['deprecated function role', { model: 'm', messages: [{ role: 'function', name: 'f', content: 'x' }] }, 'messages[0].role', 'invalid_value'],
    ['user content missing', { model: 'm', messages: [{ role: 'user' }] }, 'messages[0].content', 'missing_required_parameter'],
    ['content a number', { model: 'm', messages: [{ role: 'user', content: 3 }] }, 'messages[0].content', 'invalid_type'],
    ['image part in a system message', { model: 'm', messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] }, 'messages[0].content[0].type', 'invalid_value'],
    ['image without url', { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] }, 'messages[0].content[0].image_url.url', 'missing_required_parameter'],
    ['bad image detail', { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'max' } }] }] }, 'messages[0].content[0].image_url.detail', 'invalid_value'],
    ['audio input', { model: 'm', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AA', format: 'wav' } }] }] }, 'messages[0].content[0].type', 'unsupported_parameter'],
    ['uploaded file reference', { model: 'm', messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-1' } }] }] }, 'messages[0].content[0].file.file_id', 'unsupported_parameter'],
    ['tool message without tool_call_id', { model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id', 'missing_required_parameter'],
    ['tool call without arguments', { model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f' } }] }] }, 'messages[0].tool_calls[0].function.arguments', 'missing_required_parameter'],
    ['tool of another type', { ...ok, tools: [{ type: 'custom', custom: { name: 'x' } }] }, 'tools[0].type', 'invalid_value'],
    ['tool name with spaces', { ...ok, tools: [{ type: 'function', function: { name: 'get weather' } }] }, 'tools[0].function.name', 'invalid_value'],
    ['tool parameters not an object', { ...ok, tools: [{ type: 'function', function: { name: 'f', parameters: [] } }] }, 'tools[0].function.parameters', 'invalid_type'],
    ['unknown tool_choice', { ...ok, tool_choice: 'any' }, 'tool_choice', 'invalid_value'],
    ['tool_choice without a name', { ...ok, tool_choice: { type: 'function', function: {} } }, 'tool_choice.function.name', 'missing_required_parameter'],
    ['json_schema without a name', { ...ok, response_format: { type: 'json_schema', json_schema: { schema: {} } } }, 'response_format.json_schema.name', 'missing_required_parameter'],
    ['unknown response format', { ...ok, response_format: { type: 'yaml' } }, 'response_format.type', 'invalid_value'],
    ['temperature too high', { ...ok, temperature: 3 }, 'temperature', 'decimal_above_max_value'],
    ['temperature a string', { ...ok, temperature: '1' }, 'temperature', 'invalid_type'],
    ['n zero', { ...ok, n: 0 }, 'n', 'integer_below_min_value'],
    ['seed not an integer', { ...ok, seed: 1.5 }, 'seed', 'invalid_type'],
    ['five stop sequences', { ...ok, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', 'array_above_max_length'],
    ['top_logprobs without logprobs', { ...ok, top_logprobs: 2 }, 'top_logprobs', 'invalid_value'],
    ['stream_options without stream', { ...ok, stream_options: { include_usage: true } }, 'stream_options', 'invalid_value'],
    ['unknown reasoning effort', { ...ok, reasoning_effort: 'extreme' }, 'reasoning_effort', 'invalid_value'],
    ['metadata value not a string', { ...ok, metadata: { a: 1 } }, 'metadata.a', 'invalid_type'],
    ['logit bias out of range', { ...ok, logit_bias: { '1': 200 } }, 'logit_bias.1', 'decimal_above_max_value'],
    ['max_tokens and max_completion_tokens disagree', { ...ok, max_tokens: 5, max_completion_tokens: 6 }, 'max_tokens', 'invalid_value'],
    ['deprecated functions', { ...ok, functions: [{ name: 'f' }] }, 'functions', 'unsupported_parameter'],
  ];
  for (const [what, body, param, code] of cases) {
    it(`${what} → ${param}`, () => {
      const e = refusal(body);
      expect(e).toMatchObject({ status: 400, type: 'invalid_request_error', param, code });
      expect(e.message).toContain(param);
    });
  }

  it('a body that is not an object is refused without a parameter', () => {
    expect(refusal([1, 2])).toEqual({ status: 400, type: 'invalid_request_error', message: 'The request body must be a JSON object.', code: 'invalid_type' });
  });

  it('encodeError renders a refusal as OpenAI does', () => {
    const e = openaiDialect.encodeError(refusal({ model: 'm', messages: [] }));
    expect(e.status).toBe(400);
    expect(JSON.parse(e.body)).toEqual(fixtureJson('openai-chat/error-400-empty-messages.response.json'));
  });
});
