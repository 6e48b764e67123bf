import { describe, expect, it } from 'vitest';
import { lookupModel } from '../../catalog/catalog.js';
import { ProviderFailure } from '../../../core/llm/errors.js';
import { fixtureBytes, fixtureJson, fixtureText } from '../../../core/llm/test-support/fixtures.js';
import { expectGoldenJson } from '../../../core/llm/test-support/golden.js';
import type { ChatRequest } from '../../../core/llm/types.js';
import type { CallContext, ChatExchange, EmbeddingsExchange } from '../contract.js';
import { assemble, enc, replay, replayAllSplits } from '../test-support/replay.js';
import { ollama } from './index.js';

const BASE = 'http://localhost:11434';
function ctx(): CallContext {
  let n = 0;
  return { now: () => 1_700_000_000_000, newId: () => `gen${String(++n).padStart(4, '0')}` };
}
const ex = (r: Partial<ChatRequest> = {}, model = 'llama3.2'): ChatExchange => ({
  request: { model: 'o', messages: [{ role: 'user', content: 'why is the sky blue?' }], stream: false, ...r },
  target: { providerModel: model, baseUrl: BASE },
  ctx: ctx(),
});
const body = (e: ChatExchange) => JSON.parse(ollama.chat.buildRequest(e).body as string);

/** The documented stream objects as they go over the wire: one compact JSON object per line. */
const ndjson = (...files: string[]) => enc.encode(files.map((f) => `${JSON.stringify(fixtureJson(f))}\n`).join(''));

describe('ollama adapter: requests', () => {
  it('api-chat: the documented request, sent to /api/chat with no key', () => {
    const call = ollama.chat.buildRequest(ex());
    expect(call).toMatchObject({ method: 'POST', url: `${BASE}/api/chat`, stream: false, responseFormat: 'json' });
    expect(call.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(call.body as string)).toEqual(fixtureJson('ollama/api-chat.request.json'));
  });

  it('api-chat-stream-tools: tools as documented, NDJSON framing, bearer for Ollama cloud', () => {
    const req = fixtureJson<{ messages: { content: string }[]; tools: { function: { name: string; description: string; parameters: Record<string, unknown> } }[] }>('ollama/api-chat-stream-tools.request.json');
    const fn = req.tools[0]!.function;
    const e = ex({ stream: true, messages: [{ role: 'user', content: req.messages[0]!.content }], tools: [{ name: fn.name, description: fn.description, parameters: fn.parameters }] });
    const call = ollama.chat.buildRequest(e);
    expect(call).toMatchObject({ stream: true, responseFormat: 'ndjson' });
    expect(JSON.parse(call.body as string)).toEqual(req);
    const cloud = ollama.chat.buildRequest({ ...e, target: { ...e.target, baseUrl: 'https://ollama.com', apiKey: 'ollama-key' } });
    expect(cloud.url).toBe('https://ollama.com/api/chat');
    expect(cloud.headers.authorization).toBe('Bearer ollama-key');
  });

  it('maps options, format, think, images and the tool round trip', () => {
    const req: ChatRequest = {
      model: 'o',
      stream: false,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } }] },
        { role: 'assistant', content: null, reasoning: [{ text: 'Need the tool.' }], toolCalls: [{ id: 'call_1', name: 'look', arguments: '{"x":1}' }] },
        { role: 'tool', toolCallId: 'call_1', content: 'a pelican' },
      ],
      tools: [{ name: 'look', parameters: { type: 'object', properties: { x: { type: 'number' } } } }],
      toolChoice: 'auto',
      temperature: 0.2,
      topP: 0.8,
      topK: 20,
      maxTokens: 64,
      stop: ['\n\n'],
      seed: 42,
      frequencyPenalty: 0.5,
      responseFormat: { type: 'json_schema', name: 'o', schema: { type: 'object', properties: { animal: { type: 'string' } } } },
      reasoning: { enabled: true },
      extra: { keep_alive: '5m', options: { num_ctx: 8192 } },
    };
    const b = body(ex(req));
    expect(b.messages[1].images).toEqual(['iVBORw0KGgo=']);
    expect(b.messages[2]).toEqual({ role: 'assistant', content: '', thinking: 'Need the tool.', tool_calls: [{ id: 'call_1', function: { name: 'look', arguments: { x: 1 } } }] });
    expect(b.messages[3]).toEqual({ role: 'tool', content: 'a pelican', tool_name: 'look' });
    expect(b.options).toEqual({ temperature: 0.2, top_p: 0.8, top_k: 20, num_predict: 64, stop: ['\n\n'], seed: 42, frequency_penalty: 0.5, num_ctx: 8192 });
    expect(b.think).toBe(true);
    expect(b.keep_alive).toBe('5m');
    expectGoldenJson('ollama/request-features', b);
    expect(body(ex({ responseFormat: { type: 'json_object' } })).format).toBe('json');
    expect(body(ex({ reasoning: { effort: 'high' } }, 'gpt-oss:20b')).think).toBe('high');
    expect(body(ex({ reasoning: { enabled: false } })).think).toBe(false);
    expect(body(ex({ toolChoice: 'none', tools: [{ name: 'f' }] })).tools).toBeUndefined();
  });

  it('refuses what /api/chat cannot express, naming the parameter', () => {
    const param = (r: Partial<ChatRequest>) => {
      try {
        ollama.chat.buildRequest(ex(r));
      } catch (e) {
        expect(e).toBeInstanceOf(ProviderFailure);
        return (e as ProviderFailure).error.param;
      }
      return 'no error';
    };
    expect(param({ n: 2 })).toBe('n');
    expect(param({ logprobs: true })).toBe('logprobs');
    expect(param({ toolChoice: 'required', tools: [{ name: 'f' }] })).toBe('tool_choice');
    expect(param({ messages: [{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'https://x.test/a.png' } }] }] })).toBe('messages[0].content[0]');
    expect(param({ messages: [{ role: 'user', content: [{ type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' } }] }] })).toBe('messages[0].content[0]');
  });
});

describe('ollama adapter: responses', () => {
  it('api-chat: text, done → stop, prompt_eval_count/eval_count usage, created_at', () => {
    const { response, usage } = ollama.chat.parseResponse(ex(), fixtureBytes('ollama/api-chat.response.json'), {});
    expect(response).toMatchObject({ id: 'chatcmpl-gen0001', model: 'llama3.2', created: Math.floor(Date.parse('2023-12-12T14:13:43.416799Z') / 1000) });
    expect(response.choices[0]).toEqual({ index: 0, finishReason: 'stop', message: { role: 'assistant', content: 'Hello! How are you today?' } });
    expect(usage).toEqual({ inputTokens: 26, outputTokens: 298, totalTokens: 324 });
  });

  it('api-chat-tools: object arguments become JSON text, an id is made up, stop → tool_calls', () => {
    const { response } = ollama.chat.parseResponse(ex(), fixtureBytes('ollama/api-chat-tools.response.json'), {});
    expect(response.choices[0]).toEqual({
      index: 0,
      finishReason: 'tool_calls',
      message: { role: 'assistant', content: null, toolCalls: [{ id: 'call_gen0001', name: 'get_weather', arguments: '{"city":"Tokyo"}' }] },
    });
    expect(response.usage).toEqual({ inputTokens: 169, outputTokens: 18, totalTokens: 187 });
  });

  it('reads thinking and done_reason length; refuses non-JSON', () => {
    const b = { model: 'qwen3', created_at: 'x', message: { role: 'assistant', content: 'Par', thinking: 'Capital of France…' }, done: true, done_reason: 'length', prompt_eval_count: 5, eval_count: 10 };
    const { response } = ollama.chat.parseResponse(ex(), enc.encode(JSON.stringify(b)), {});
    expect(response.choices[0]).toMatchObject({ finishReason: 'length', message: { content: 'Par', reasoning: [{ text: 'Capital of France…' }] } });
    expect(response.created).toBe(1_700_000_000);
    expect(() => ollama.chat.parseResponse(ex(), enc.encode('<html>'), {})).toThrow(ProviderFailure);
  });
});

describe('ollama adapter: streams (every split)', () => {
  it('api-chat-stream: content deltas, then done with counters', () => {
    const bytes = ndjson('ollama/api-chat-stream.response-object-0.json', 'ollama/api-chat-stream.response-object-1.json');
    const r = replayAllSplits(() => ollama.chat.createStreamTranslator(ex({ stream: true })), bytes);
    expect(r.error).toBeUndefined();
    expect(r.done).toBe(true);
    expect(assemble(r.chunks)[0]).toMatchObject({ role: 'assistant', content: 'The', finishReason: 'stop' });
    expect(r.usage).toEqual({ inputTokens: 26, outputTokens: 282, totalTokens: 308 });
    expectGoldenJson('ollama/stream-api-chat-stream', r);
  });

  it('api-chat-stream-tools: a whole call in one chunk (index 0, id, name, arguments), finish tool_calls', () => {
    const bytes = ndjson('ollama/api-chat-stream-tools.response-object-0.json', 'ollama/api-chat-stream-tools.response-object-1.json');
    const r = replayAllSplits(() => ollama.chat.createStreamTranslator(ex({ stream: true })), bytes);
    const [c] = assemble(r.chunks);
    expect(c!.toolCalls).toEqual([{ id: 'call_gen0002', name: 'get_weather', arguments: '{"city":"Tokyo"}' }]);
    expect(c!.finishReason).toBe('tool_calls');
    expect(r.usage).toEqual({ inputTokens: 169, outputTokens: 15, totalTokens: 184 });
    expectGoldenJson('ollama/stream-api-chat-stream-tools', r);
  });

  it('turns an {"error":…} line after a 200 into an error step (the documented mid-stream error)', () => {
    const errorLine = fixtureText('ollama/api-generate-stream-midstream-error.response.ndjson').trim().split('\n').at(-1)!;
    const bytes = enc.encode(`${JSON.stringify(fixtureJson('ollama/api-chat-stream.response-object-0.json'))}\n${errorLine}\n`);
    const r = replayAllSplits(() => ollama.chat.createStreamTranslator(ex({ stream: true })), bytes);
    expect(r.error).toEqual({ status: 500, kind: 'server', message: 'an error was encountered while running the model' });
    expect(r.done).toBe(true);
    expect(assemble(r.chunks)[0]!.content).toBe('The');
  });

  it('reports a stream without its done object as truncated; a last line without newline still counts', () => {
    const first = JSON.stringify(fixtureJson('ollama/api-chat-stream.response-object-0.json'));
    const cut = replay(ollama.chat.createStreamTranslator(ex({ stream: true })), [enc.encode(`${first}\n`)]);
    expect(cut.error).toMatchObject({ status: 502, kind: 'server' });
    const last = JSON.stringify(fixtureJson('ollama/api-chat-stream.response-object-1.json'));
    const ok = replay(ollama.chat.createStreamTranslator(ex({ stream: true })), [enc.encode(`${first}\n${last}`)]);
    expect(ok).toMatchObject({ done: true, error: undefined });
  });
});

describe('ollama adapter: errors, embeddings, models', () => {
  it('error-body: {"error": "…"} with the status deciding the kind', () => {
    const b = fixtureBytes('ollama/error-body.response.json');
    expect(ollama.parseError(500, {}, b)).toEqual({ status: 500, kind: 'server', message: 'the model failed to generate a response' });
    expect(ollama.parseError(404, {}, enc.encode('{"error":"model \\"nope\\" not found, try pulling it first"}'))).toMatchObject({ status: 404, kind: 'not_found' });
    expect(ollama.parseError(400, {}, enc.encode('{"error":"json: cannot unmarshal string"}'))).toMatchObject({ kind: 'invalid_request' });
  });

  it('embeds through /api/embed, usage from prompt_eval_count', () => {
    const x: EmbeddingsExchange = { request: { model: 'e', input: ['a', 'b'], dimensions: 2 }, target: { providerModel: 'all-minilm', baseUrl: BASE }, ctx: ctx() };
    const call = ollama.embeddings!.buildRequest(x);
    expect(call).toMatchObject({ method: 'POST', url: `${BASE}/api/embed`, responseFormat: 'json' });
    expect(JSON.parse(call.body as string)).toEqual({ model: 'all-minilm', input: ['a', 'b'], dimensions: 2 });
    const answer = { model: 'all-minilm', embeddings: [[0.1, 0.2], [0.3, 0.4]], total_duration: 14143917, load_duration: 1019500, prompt_eval_count: 8 };
    const { response, usage } = ollama.embeddings!.parseResponse(x, enc.encode(JSON.stringify(answer)), {});
    expect(response.data).toEqual([
      { index: 0, embedding: [0.1, 0.2] },
      { index: 1, embedding: [0.3, 0.4] },
    ]);
    expect(usage).toEqual({ inputTokens: 8, outputTokens: 0, totalTokens: 8 });
  });

  it('lists local models from /api/tags', () => {
    expect(ollama.models!.buildRequest({ providerModel: '', baseUrl: BASE })).toMatchObject({ method: 'GET', url: `${BASE}/api/tags` });
    const tags = { models: [{ name: 'llama3.2:latest', model: 'llama3.2:latest', modified_at: '2025-05-04T17:37:44.706015396-07:00', size: 2019393189 }] };
    expect(ollama.models!.parseResponse(enc.encode(JSON.stringify(tags)))).toEqual([{ id: 'llama3.2:latest', ownedBy: 'ollama', created: Math.floor(Date.parse('2025-05-05T00:37:44Z') / 1000) }]);
  });

  it('local models have no catalog price (the gateway reports them unpriced)', () => {
    expect(lookupModel('local', 'ollama', 'llama3.2').priced).toBe(false);
  });
});
