import { describe, expect, it } from 'vitest';
import { fixtureFiles, fixtureJson } from '../../../core/llm/test-support/fixtures.js';
import { expectGoldenJson } from '../../../core/llm/test-support/golden.js';
import type { ChatRequest } from '../../../core/llm/types.js';
import { anthropic } from '../../providers/anthropic/index.js';
import { openai } from '../../providers/openai/index.js';
import { exchange } from '../../providers/test-support/replay.js';
import type { DialectError } from '../contract.js';
import { without } from '../test-support/stream.js';
import { anthropicDialect } from './index.js';

const parse = (body: unknown): ChatRequest => {
  const r = anthropicDialect.parseChatRequest(body);
  if (!r.ok) throw new Error(`refused: ${r.error.param ?? ''}: ${r.error.message}`);
  return r.value;
};

const refusal = (body: unknown): DialectError => {
  const r = anthropicDialect.parseChatRequest(body);
  if (r.ok) throw new Error('accepted');
  return r.error;
};

const toAnthropic = (req: ChatRequest) => JSON.parse(anthropic.chat.buildRequest(exchange(req, { providerModel: req.model })).body as string) as Record<string, unknown>;
const toOpenAI = (req: ChatRequest) => JSON.parse(openai.chat.buildRequest(exchange(req, { providerModel: req.model })).body as string) as Record<string, unknown>;

/** What Anthropic → Anthropic leaves out on purpose: the defaults `stream: false` and `is_error: false`. */
function normalised(body: Record<string, unknown>): unknown {
  const out = { ...body };
  if (out['stream'] === false) delete out['stream'];
  return JSON.parse(JSON.stringify(out), (k, v: unknown) => (k === 'is_error' && v === false ? undefined : v)) as unknown;
}

describe('anthropic dialect: recorded requests', () => {
  for (const file of fixtureFiles('anthropic', '.request.json').filter((f) => !f.includes('count-tokens'))) {
    const name = file.slice('anthropic/'.length, -'.request.json'.length);
    it(`${name}: parsed into the canonical request (golden), and sent to Anthropic unchanged`, () => {
      const body = fixtureJson<Record<string, unknown>>(file);
      const req = parse(body);
      expectGoldenJson(`dialects/anthropic/request-${name}`, req);
      expect(toAnthropic(req)).toEqual(normalised(body));
    });
  }

  it('a count_tokens body (no max_tokens) is refused naming max_tokens, as the Messages API refuses it', () => {
    expect(refusal(fixtureJson('anthropic/error-404-not-found-count-tokens.request.json'))).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'max_tokens', code: 'missing_required_parameter' });
  });

  it('a tool round trip reaches OpenAI as tool calls and tool messages (golden)', () => {
    const req = parse(fixtureJson('anthropic/messages-parallel-tool-use.1.request.json'));
    const body = toOpenAI(req) as { messages: { role: string; tool_call_id?: string }[] };
    expect(body.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool', 'tool', 'tool']);
    expect(body.messages.at(-1)!.tool_call_id).toBe('toolu_013mnQZbgtK2oe3Mo3XKJsx3');
    expectGoldenJson('dialects/anthropic/request-to-openai-parallel-tool-use.1', body);
  });
});

describe('anthropic dialect: the Messages surface', () => {
  const full = {
    model: 'claude-sonnet-4-5',
    max_tokens: 2048,
    system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
    messages: [
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'report.pdf' },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain words' } },
          { type: 'text', text: 'What are these?', cache_control: { type: 'ephemeral', ttl: '1h' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'Let me look.', signature: 'sig-1' },
          { type: 'redacted_thinking', data: 'opaque' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'look', input: { x: 1 } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a cat' }, { type: 'image', source: { type: 'url', url: 'https://example.com/zoom.png' } }], is_error: true },
          { type: 'text', text: 'and?' },
        ],
      },
    ],
    tools: [{ name: 'look', description: 'Look closer', input_schema: { type: 'object', properties: { x: { type: 'number' } } }, cache_control: { type: 'ephemeral' } }],
    tool_choice: { type: 'any', disable_parallel_tool_use: true },
    temperature: 0.5,
    top_p: 0.9,
    top_k: 40,
    stop_sequences: ['END'],
    stream: true,
    metadata: { user_id: 'user-42' },
    thinking: { type: 'enabled', budget_tokens: 1024 },
    // Not modelled: passed through to Anthropic upstreams as sent.
    service_tier: 'auto',
    container: 'container_1',
  };

  it('every field reaches Anthropic as sent', () => {
    const req = parse(full);
    expect(req.passthrough).toEqual({ dialect: 'anthropic', fields: { service_tier: 'auto', container: 'container_1' } });
    expect(toAnthropic(req)).toEqual(full);
  });

  it('the canonical form of that request (golden)', () => expectGoldenJson('dialects/anthropic/request-full', parse(full)));

  it('a text-only tool result reaches Anthropic as the same text (the adapter sends it as a string)', () => {
    const body = { model: 'm', max_tokens: 8, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }] }] }] };
    expect(toAnthropic(parse(body))['messages']).toEqual([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'ab' }] }]);
  });

  it('cache breakpoints in and on tool results reach Anthropic where they were (the block form is kept for them)', () => {
    const hinted = { type: 'ephemeral', ttl: '5m' };
    const messages = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }, { type: 'tool_use', id: 't2', name: 'f', input: {} }] },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'a' }, { type: 'text', text: 'b', cache_control: hinted }] },
          // Claude Code and agent loops mark the last block of the turn, often a tool result itself.
          { type: 'tool_result', tool_use_id: 't2', content: 'c', cache_control: { type: 'ephemeral' } },
        ],
      },
    ];
    const body = { model: 'm', max_tokens: 8, messages };
    const req = parse(body);
    expect(req.messages[3]).toEqual({ role: 'tool', toolCallId: 't2', content: 'c', cache: { type: 'ephemeral' } });
    expect(toAnthropic(req)['messages']).toEqual(messages);
  });

  it('tool choice, thinking off and an output schema', () => {
    const base = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] };
    expect(parse({ ...base, tool_choice: { type: 'none' } }).toolChoice).toBe('none');
    expect(parse({ ...base, tool_choice: { type: 'tool', name: 'f' } }).toolChoice).toEqual({ name: 'f' });
    expect(parse({ ...base, tool_choice: { type: 'auto', disable_parallel_tool_use: false } })).toMatchObject({ toolChoice: 'auto', parallelToolCalls: true });
    expect(parse({ ...base, thinking: { type: 'disabled' } }).reasoning).toEqual({ enabled: false });
    expect(parse({ ...base, thinking: { type: 'adaptive' } }).passthrough).toEqual({ dialect: 'anthropic', fields: { thinking: { type: 'adaptive' } } });
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(parse({ ...base, output_format: { type: 'json_schema', schema } }).responseFormat).toEqual({ type: 'json_schema', name: 'response', schema });
    expect(parse({ ...base, output_config: { format: { type: 'json_schema', schema } } }).responseFormat).toEqual({ type: 'json_schema', name: 'response', schema });
    // With other settings beside the format, output_config goes to Anthropic whole.
    expect(parse({ ...base, output_config: { effort: 'low', format: { type: 'json_schema', schema } } })).toMatchObject({ passthrough: { fields: { output_config: { effort: 'low' } } } });
  });

  it('tool_use ids carrying a thought signature are split back', () => {
    const req = parse({
      model: 'm',
      max_tokens: 10,
      messages: [
        { role: 'assistant', content: [{ type: 'tool_use', id: 'call_1__thought__c2ln', name: 'f', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1__thought__c2ln', content: 'ok' }] },
      ],
    });
    expect(without(req.messages, [])).toEqual([
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'f', arguments: '{}', signature: 'c2ln' }] },
      { role: 'tool', content: 'ok', toolCallId: 'call_1' },
    ]);
  });
});

describe('anthropic dialect: refusals name the parameter', () => {
  const ok = { model: 'claude', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
  const cases: [string, unknown, string][] = [
    ['no model', { max_tokens: 1, messages: ok.messages }, 'model'],
    ['no max_tokens', { model: 'm', messages: ok.messages }, 'max_tokens'],
    ['max_tokens zero', { ...ok, max_tokens: 0 }, 'max_tokens'],
    ['no messages', { model: 'm', max_tokens: 1 }, 'messages'],
    ['empty messages', { ...ok, messages: [] }, 'messages'],
    ['system role in messages', { ...ok, messages: [{ role: 'system', content: 'x' }] }, 'messages[0].role'],
    ['no content', { ...ok, messages: [{ role: 'user' }] }, 'messages[0].content'],
    ['unknown block', { ...ok, messages: [{ role: 'user', content: [{ type: 'video', source: {} }] }] }, 'messages[0].content[0].type'],
    ['tool_use in a user turn', { ...ok, messages: [{ role: 'user', content: [{ type: 'tool_use', id: 'a', name: 'f', input: {} }] }] }, 'messages[0].content[0].type'],
    ['image without source', { ...ok, messages: [{ role: 'user', content: [{ type: 'image' }] }] }, 'messages[0].content[0].source'],
    ['image from the Files API', { ...ok, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }] }, 'messages[0].content[0].source.type'],
    ['base64 image without media type', { ...ok, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', data: 'AA' } }] }] }, 'messages[0].content[0].source.media_type'],
    ['tool_result without id', { ...ok, messages: [{ role: 'user', content: [{ type: 'tool_result', content: 'x' }] }] }, 'messages[0].content[0].tool_use_id'],
    ['tool_use input not an object', { ...ok, messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'f', input: [1] }] }] }, 'messages[0].content[0].input'],
    ['system block not text', { ...ok, system: [{ type: 'image' }] }, 'system[0].type'],
    ['temperature above 1', { ...ok, temperature: 1.5 }, 'temperature'],
    ['tool without input_schema', { ...ok, tools: [{ name: 'f' }] }, 'tools[0].input_schema'],
    ['server tool', { ...ok, tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, 'tools[0].type'],
    ['unknown tool_choice', { ...ok, tool_choice: { type: 'required' } }, 'tool_choice.type'],
    ['tool choice without a name', { ...ok, tool_choice: { type: 'tool' } }, 'tool_choice.name'],
    ['thinking budget too small', { ...ok, thinking: { type: 'enabled', budget_tokens: 100 } }, 'thinking.budget_tokens'],
    ['stop sequence not a string', { ...ok, stop_sequences: [1] }, 'stop_sequences[0]'],
    ['bad cache_control', { ...ok, messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'forever' } }] }] }, 'messages[0].content[0].cache_control.type'],
  ];
  for (const [what, body, param] of cases) {
    it(`${what} → ${param}`, () => {
      const e = refusal(body);
      expect(e).toMatchObject({ status: 400, type: 'invalid_request_error', param });
      expect(e.message).toContain(param);
    });
  }

  it('encodeError renders a refusal and a provider error as Anthropic does', () => {
    const e = anthropicDialect.encodeError(refusal({ model: 'm', messages: [] }));
    expect(e.status).toBe(400);
    expect(JSON.parse(e.body)).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: 'Missing required parameter: \'max_tokens\'.' } });
    const p = anthropicDialect.encodeError({ status: 529, kind: 'overloaded', message: 'Overloaded', requestId: 'req_1', retryAfterMs: 1500 });
    expect(p.headers['retry-after']).toBe('2');
    expect(JSON.parse(p.body)).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_1' });
  });
});
