import { describe, expect, it } from 'vitest';
import type { EmbeddingsRequest } from '../../../core/llm/embeddings.js';
import { fixtureBytes, fixtureJson, fixtureLines, toSse } from '../../../core/llm/test-support/fixtures.js';
import { expectGoldenJson } from '../../../core/llm/test-support/golden.js';
import type { ChatRequest } from '../../../core/llm/types.js';
import { base64ToFloats } from '../../../core/llm/vectors.js';
import { lookupModel } from '../../catalog/catalog.js';
import type { EmbeddingsExchange } from '../contract.js';
import { assemble, enc, exchange, FIXED_CTX, replay, replayAllSplits, resetIds } from '../test-support/replay.js';
import { cohere } from './index.js';

const BASE = 'https://api.cohere.com';
const basic: ChatRequest = { model: 'c', messages: [{ role: 'user', content: 'hello' }], stream: false };
const ex = (r: Partial<ChatRequest> = {}, model = 'command-r7b-12-2024') => exchange({ ...basic, ...r }, { baseUrl: BASE, providerModel: model });
const bodyOf = (r: Partial<ChatRequest>) => JSON.parse(cohere.chat.buildRequest(ex(r)).body as string);
const json = (v: unknown) => enc.encode(JSON.stringify(v));

describe('cohere adapter: requests', () => {
  it('chat-v2-basic: /v2/chat with a bearer key, the body of the capture', () => {
    const call = cohere.chat.buildRequest(ex());
    expect(call.url).toBe(fixtureJson<{ url: string }>('cohere/chat-v2-basic.http.json').url);
    expect(JSON.parse(call.body as string)).toEqual(fixtureJson('cohere/chat-v2-basic.request.json'));
    expect(call.headers).toMatchObject({ authorization: 'Bearer sk-test', 'content-type': 'application/json' });
    expect(call).toMatchObject({ method: 'POST', stream: false, responseFormat: 'json' });
  });

  it('streams as SSE', () => {
    const call = cohere.chat.buildRequest(ex({ stream: true }));
    expect(call).toMatchObject({ stream: true, responseFormat: 'sse' });
    expect(call.headers.accept).toBe('text/event-stream');
    expect(JSON.parse(call.body as string).stream).toBe(true);
  });

  it('system, vision, tool_plan + tool_calls, tool results, tools, response_format, sampling, thinking', () => {
    const req: ChatRequest = {
      ...basic,
      messages: [
        { role: 'developer', content: 'Answer in French.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather where this photo was taken?' },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/4AAQ' }, detail: 'low' },
          ],
        },
        { role: 'assistant', content: 'I will use the weather tool.', toolCalls: [{ id: 'weather_1', name: 'weather', arguments: '{"location":"Paris"}' }] },
        { role: 'tool', toolCallId: 'weather_1', content: '18C, sunny' },
        { role: 'assistant', content: 'Il fait 18 degrés.' },
        { role: 'user', content: 'Merci' },
      ],
      tools: [
        { name: 'weather', description: 'Weather in a city', parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] }, strict: true },
        { name: 'cityAttractions', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
      ],
      toolChoice: 'required',
      responseFormat: { type: 'json_schema', name: 'out', schema: { type: 'object', properties: { answer: { type: 'string' } } } },
      maxTokens: 300,
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      seed: 7,
      stop: ['\n\n'],
      frequencyPenalty: 0.1,
      presencePenalty: 0.2,
      reasoning: { budgetTokens: 1024 },
    };
    const body = bodyOf(req);
    expect(body.messages[2]).toEqual({
      role: 'assistant',
      tool_plan: 'I will use the weather tool.',
      tool_calls: [{ id: 'weather_1', type: 'function', function: { name: 'weather', arguments: '{"location":"Paris"}' } }],
    });
    expect(body.messages[3]).toEqual({ role: 'tool', tool_call_id: 'weather_1', content: '18C, sunny' });
    expect(body.messages[1].content[1]).toEqual({ type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ', detail: 'low' } });
    expect(body).toMatchObject({ tool_choice: 'REQUIRED', strict_tools: true, p: 0.9, k: 40, thinking: { type: 'enabled', token_budget: 1024 } });
    expect(body.response_format).toEqual({ type: 'json_object', json_schema: { type: 'object', properties: { answer: { type: 'string' } } } });
    expectGoldenJson('cohere/request-everything', body);
  });

  it('forces a named tool by offering only that tool, required', () => {
    const body = bodyOf({ tools: [{ name: 'a' }, { name: 'b' }], toolChoice: { name: 'b' } });
    expect(body.tools.map((t: { function: { name: string } }) => t.function.name)).toEqual(['b']);
    expect(body.tool_choice).toBe('REQUIRED');
    expect(bodyOf({ tools: [{ name: 'a' }], toolChoice: 'none' }).tool_choice).toBe('NONE');
    expect(bodyOf({ responseFormat: { type: 'json_object' } }).response_format).toEqual({ type: 'json_object' });
  });

  it('refuses what Cohere cannot express, naming the parameter', () => {
    const refused = (r: Partial<ChatRequest>, param: string) =>
      expect(() => cohere.chat.buildRequest(ex(r))).toThrow(expect.objectContaining({ error: expect.objectContaining({ status: 400, kind: 'invalid_request', param }) }));
    refused({ n: 3 }, 'n');
    refused({ logprobs: true }, 'logprobs');
    refused({ logitBias: { '42': 1 } }, 'logit_bias');
    refused({ tools: [{ name: 'a' }], toolChoice: { name: 'zzz' } }, 'tool_choice');
    refused({ messages: [{ role: 'user', content: [{ type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBE' } }] }] }, 'messages[0].content[0]');
    refused({ messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id');
  });
});

describe('cohere adapter: responses', () => {
  it('chat-v2-basic: text, COMPLETE → stop, billed units as usage', () => {
    const { response, usage } = cohere.chat.parseResponse(ex(), fixtureBytes('cohere/chat-v2-basic.response.json'), {});
    expect(response).toMatchObject({ id: 'f17a5f6c-1734-4098-bd0d-733ef000ac7b', model: 'command-r7b-12-2024' });
    expect(response.choices[0]).toMatchObject({ finishReason: 'stop', message: { role: 'assistant', content: 'Hello! How can I assist you today?' } });
    expect(usage).toEqual({ inputTokens: 1, outputTokens: 9, totalTokens: 10 });
    expect(response.usage).toBe(usage);
  });

  it('chat-v2-text (real key order, cached_tokens)', () => {
    const { response, usage } = cohere.chat.parseResponse(ex(), fixtureBytes('cohere/chat-v2-text.response.json'), {});
    expect(response.choices[0]!.message.content).toBe('The capital of France is Paris.');
    expect(usage).toEqual({ inputTokens: 12, outputTokens: 7, totalTokens: 19 });
  });

  it('chat-v2-tool-call: tool_plan as content, two tool calls with their JSON arguments, TOOL_CALL → tool_calls', () => {
    const { response } = cohere.chat.parseResponse(ex(), fixtureBytes('cohere/chat-v2-tool-call.response.json'), {});
    const raw = fixtureJson<{ message: { tool_plan: string } }>('cohere/chat-v2-tool-call.response.json');
    const c = response.choices[0]!;
    expect(c.finishReason).toBe('tool_calls');
    expect(c.message.content).toBe(raw.message.tool_plan);
    expect(c.message.toolCalls).toEqual([
      { id: 'weather_dqgshstja6p9', name: 'weather', arguments: '{"location":"San Francisco"}' },
      { id: 'cityAttractions_dcxfx4myvx68', name: 'cityAttractions', arguments: '{"city":"San Francisco"}' },
    ]);
    expectGoldenJson('cohere/response-tool-call', response);
  });

  it('falls back to `tokens` (with its cached part) when no billed units are given, and reads thinking blocks', () => {
    const body = json({
      id: 'x',
      finish_reason: 'MAX_TOKENS',
      message: { role: 'assistant', content: [{ type: 'thinking', thinking: 'Hmm.' }, { type: 'text', text: 'Yes' }] },
      usage: { tokens: { input_tokens: 500, output_tokens: 20 }, cached_tokens: 448 },
    });
    const { response, usage } = cohere.chat.parseResponse(ex(), body, {});
    expect(usage).toEqual({ inputTokens: 500, outputTokens: 20, totalTokens: 520, cachedInputTokens: 448 });
    expect(response.choices[0]).toMatchObject({ finishReason: 'length', message: { content: 'Yes', reasoning: [{ text: 'Hmm.' }] } });
    expect(() => cohere.chat.parseResponse(ex(), json({ id: 'x' }), {})).toThrow(expect.objectContaining({ error: expect.objectContaining({ kind: 'bad_response', status: 502 }) }));
  });
});

interface CohereEvent {
  type: string;
  index?: number;
  delta?: {
    message?: { content?: { text?: string }; tool_plan?: string; tool_calls?: { id?: string; function?: { name?: string; arguments?: string } } };
    finish_reason?: string;
    usage?: { billed_units: { input_tokens: number; output_tokens: number } };
  };
}

/** An independent reading of the captured payloads. */
function facts(payloads: readonly string[]) {
  const f = { text: '', calls: [] as { id: string; name: string; arguments: string }[], finish: '', billed: { input_tokens: 0, output_tokens: 0 } };
  for (const p of payloads) {
    const e = JSON.parse(p) as CohereEvent;
    const m = e.delta?.message;
    if (e.type === 'content-delta') f.text += m?.content?.text ?? '';
    if (e.type === 'tool-plan-delta') f.text += m?.tool_plan ?? '';
    if (e.type === 'tool-call-start') f.calls[e.index!] = { id: m!.tool_calls!.id!, name: m!.tool_calls!.function!.name!, arguments: '' };
    if (e.type === 'tool-call-delta') f.calls[e.index!]!.arguments += m?.tool_calls?.function?.arguments ?? '';
    if (e.type === 'message-end') {
      f.finish = e.delta!.finish_reason!;
      f.billed = e.delta!.usage!.billed_units;
    }
  }
  return f;
}

const fresh = () => () => {
  resetIds();
  return cohere.chat.createStreamTranslator(ex({ stream: true }));
};

describe('cohere adapter: streams (SSE re-framed from the captured payloads, every split)', () => {
  for (const name of ['chat-v2-stream-text', 'chat-v2-stream-tool-call']) {
    it(`${name}: content, tool calls, finish reason and usage match the capture`, () => {
      const payloads = fixtureLines(`cohere/${name}.chunks.jsonl`);
      const f = facts(payloads);
      const r = replayAllSplits(fresh(), toSse(payloads, { eventFromType: true }));
      expect(r.error).toBeUndefined();
      expect(r.done).toBe(true);
      const [c] = assemble(r.chunks);
      expect(c!.role).toBe('assistant');
      expect(c!.content).toBe(f.text);
      expect(c!.toolCalls).toEqual(f.calls);
      expect(c!.finishReason).toBe({ COMPLETE: 'stop', TOOL_CALL: 'tool_calls' }[f.finish]);
      expect(r.usage).toEqual({ inputTokens: f.billed.input_tokens, outputTokens: f.billed.output_tokens, totalTokens: f.billed.input_tokens + f.billed.output_tokens });
      expect(r.chunks[0]!.id).toBe(JSON.parse(payloads[0]!).id);
      expectGoldenJson(`cohere/stream-${name}`, r);
    });
  }

  it('tolerates a [DONE] terminator and payloads without `event:` lines', () => {
    const payloads = fixtureLines('cohere/chat-v2-stream-text.chunks.jsonl');
    const r = replay(fresh()(), [toSse(payloads, { done: true })]);
    expect(r).toMatchObject({ error: undefined, done: true });
    expect(assemble(r.chunks)[0]!.content).toBe('The capital of France is Paris.');
  });

  it('streams thinking blocks as reasoning', () => {
    const events = [
      { type: 'message-start', id: 'r1', delta: { message: { role: 'assistant' } } },
      { type: 'content-start', index: 0, delta: { message: { content: { type: 'thinking', thinking: '' } } } },
      { type: 'content-delta', index: 0, delta: { message: { content: { thinking: 'Paris is…' } } } },
      { type: 'content-end', index: 0 },
      { type: 'content-start', index: 1, delta: { message: { content: { type: 'text', text: '' } } } },
      { type: 'content-delta', index: 1, delta: { message: { content: { text: 'Paris.' } } } },
      { type: 'message-end', delta: { finish_reason: 'COMPLETE', usage: { billed_units: { input_tokens: 3, output_tokens: 9 } } } },
    ].map((e) => JSON.stringify(e));
    const [c] = assemble(replayAllSplits(fresh(), toSse(events, { eventFromType: true })).chunks);
    expect(c).toMatchObject({ reasoning: 'Paris is…', content: 'Paris.', finishReason: 'stop' });
  });

  it('reports a stream cut before message-end as truncated, keeping the text so far', () => {
    const payloads = fixtureLines('cohere/chat-v2-stream-tool-call.chunks.jsonl').slice(0, 33);
    const r = replay(fresh()(), [toSse(payloads, { eventFromType: true })]);
    expect(r.error).toMatchObject({ status: 502, kind: 'server' });
    expect(r.done).toBe(true);
    expect(assemble(r.chunks)[0]!.toolCalls[0]!.name).toBe('weather');
  });

  it('turns a message-end that carries an error into an error step, with the usage it reported', () => {
    const events = [
      JSON.stringify({ type: 'message-start', id: 'e1', delta: { message: { role: 'assistant' } } }),
      JSON.stringify({ type: 'message-end', delta: { finish_reason: 'ERROR', error: 'internal server error', usage: { billed_units: { input_tokens: 5, output_tokens: 0 } } } }),
    ];
    const r = replay(fresh()(), [toSse(events, { eventFromType: true })]);
    expect(r.error).toEqual({ status: 502, kind: 'server', message: 'internal server error', providerCode: 'ERROR' });
    expect(r.usage).toEqual({ inputTokens: 5, outputTokens: 0, totalTokens: 5 });
  });
});

describe('cohere adapter: errors', () => {
  const headersOf = (name: string) => fixtureJson<{ response_headers: Record<string, string[]> }>(`cohere/${name}.http.json`).response_headers;

  it('error-embed (404): the message, not_found, the body id as request id', () => {
    const raw = fixtureJson<{ id: string; message: string }>('cohere/error-embed.response.json');
    const e = cohere.parseError(404, headersOf('error-embed'), fixtureBytes('cohere/error-embed.response.json'));
    expect(e).toEqual({ status: 404, kind: 'not_found', message: raw.message, requestId: raw.id });
  });

  it('maps Cohere statuses: 401/498 auth, 402 quota, 429 rate limit with retry-after, 400 too long → context_length', () => {
    const body = (message: string) => json({ message });
    expect(cohere.parseError(401, {}, body('invalid api token')).kind).toBe('auth');
    expect(cohere.parseError(498, {}, body('invalid token')).kind).toBe('auth');
    expect(cohere.parseError(402, {}, body('Please add a payment method')).kind).toBe('quota');
    expect(cohere.parseError(429, { 'retry-after': '3' }, body('You are using a Trial key'))).toMatchObject({ kind: 'rate_limit', retryAfterMs: 3000 });
    expect(cohere.parseError(400, {}, body('too many tokens: total number of tokens in the prompt cannot exceed 128000')).kind).toBe('context_length');
    expect(cohere.parseError(503, {}, enc.encode('upstream connect error'))).toMatchObject({ kind: 'overloaded', message: 'upstream connect error' });
  });
});

describe('cohere adapter: embeddings v2', () => {
  const embeddings = cohere.embeddings!;
  const eex = (r: Partial<EmbeddingsRequest>, model = 'embed-v4.0'): EmbeddingsExchange => ({
    request: { model: 'e', input: 'Hello, world!', ...r },
    target: { providerModel: model, baseUrl: BASE, apiKey: 'sk-test' },
    ctx: FIXED_CTX,
  });

  it('embed-v2: /v2/embed with texts, input_type and float embedding_types, as captured', () => {
    const call = embeddings.buildRequest(eex({ inputType: 'query' }));
    expect(call.url).toBe(fixtureJson<{ url: string }>('cohere/embed-v2.http.json').url);
    const captured = fixtureJson<Record<string, unknown>>('cohere/embed-v2.request.json');
    const body = JSON.parse(call.body as string);
    for (const k of ['model', 'texts', 'input_type', 'embedding_types']) expect(body[k]).toEqual(captured[k]);
    expect(JSON.parse(embeddings.buildRequest(eex({ dimensions: 512 })).body as string)).toMatchObject({ input_type: 'search_document', output_dimension: 512 });
  });

  it('embed-v2 response: the 1536 floats, billed input tokens as usage, base64 on request', () => {
    const raw = fixtureJson<{ embeddings: { float: number[][] } }>('cohere/embed-v2.response.json');
    const { response, usage } = embeddings.parseResponse(eex({}), fixtureBytes('cohere/embed-v2.response.json'), {});
    expect(response.data).toHaveLength(1);
    expect(response.data[0]!.embedding).toEqual(raw.embeddings.float[0]);
    expect(usage).toEqual({ inputTokens: 4, outputTokens: 0, totalTokens: 4 });
    const b64 = embeddings.parseResponse(eex({ encodingFormat: 'base64' }), fixtureBytes('cohere/embed-v2.response.json'), {});
    const back = base64ToFloats(b64.response.data[0]!.embedding as string);
    expect(back).toHaveLength(1536);
    back.forEach((v, i) => expect(v).toBeCloseTo(raw.embeddings.float[0]![i]!, 6));
  });

  it('refuses token arrays', () => {
    expect(() => embeddings.buildRequest(eex({ input: [[1, 2]] }))).toThrow(expect.objectContaining({ error: expect.objectContaining({ param: 'input' }) }));
  });
});

describe('cohere models', () => {
  it('lists models from /v1/models', () => {
    const call = cohere.models!.buildRequest({ providerModel: '', baseUrl: BASE, apiKey: 'k' });
    expect(call).toMatchObject({ method: 'GET', url: 'https://api.cohere.com/v1/models?page_size=1000' });
    expect(call.headers.authorization).toBe('Bearer k');
    expect(cohere.models!.parseResponse(json({ models: [{ name: 'command-a-03-2025', endpoints: ['chat'] }, { name: 'embed-v4.0' }] }))).toEqual([
      { id: 'command-a-03-2025', ownedBy: 'cohere' },
      { id: 'embed-v4.0', ownedBy: 'cohere' },
    ]);
  });

  it('are priced by the catalog where its data set has them (Command R family, Embed v2/v3)', () => {
    const r = lookupModel('co', 'cohere', 'command-r');
    expect(r).toMatchObject({ source: 'catalog', key: 'cohere/command-r', priced: true });
    expect(r.inputPerToken).toBeCloseTo(0.15e-6, 12);
    expect(r.outputPerToken).toBeCloseTo(0.6e-6, 12);
    expect(lookupModel('co', 'cohere', 'command-r-plus').key).toBe('cohere/command-r-plus');
    expect(lookupModel('co', 'cohere', 'embed-english-v3.0')).toMatchObject({ type: 'embedding', priced: true });
  });
});
