import { describe, expect, it } from 'vitest';
import { lookupModel } from '../../catalog/catalog.js';
import { costOf } from '../../accounting/cost.js';
import { unpackToolCallId } from '../../dialects/shared/tool-id.js';
import { ProviderFailure } from '../../../core/llm/errors.js';
import { fixtureBytes, fixtureJson, fixtureText } from '../../../core/llm/test-support/fixtures.js';
import { expectGoldenJson } from '../../../core/llm/test-support/golden.js';
import type { ChatRequest } from '../../../core/llm/types.js';
import type { CallContext, ChatExchange, EmbeddingsExchange } from '../contract.js';
import { ssePayloads } from '../test-support/oracle.js';
import { assemble, enc, replay, replayAllSplits } from '../test-support/replay.js';
import { gemini } from './index.js';
import { geminiStreamTranslator } from './stream.js';

const BASE = 'https://generativelanguage.googleapis.com/v1beta';
const basic: ChatRequest = { model: 'g', messages: [{ role: 'user', content: 'why is the sky blue?' }], stream: false };

/** A fresh deterministic clock and id source per exchange (so every split of a replay makes the same ids). */
function ctx(): CallContext {
  let n = 0;
  return { now: () => 1_700_000_000_000, newId: () => `gen${String(++n).padStart(4, '0')}` };
}
const ex = (r: Partial<ChatRequest> = {}, model = 'gemini-2.5-flash'): ChatExchange => ({
  request: { ...basic, ...r },
  target: { providerModel: model, baseUrl: BASE, apiKey: 'AIza-test' },
  ctx: ctx(),
});
const body = (e: ChatExchange) => JSON.parse(gemini.chat.buildRequest(e).body as string);

/** Independent reading of Gemini stream chunks (straight from the capture's JSON). */
interface GeminiFacts {
  text: string;
  thoughts: string;
  calls: { name: string; args: string; signature: string | undefined }[];
  finish: string | undefined;
  usage: Record<string, number> | undefined;
}
interface RawPart {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  functionCall?: { name: string; args?: unknown };
}
interface RawChunk {
  candidates?: { content?: { parts?: RawPart[] }; finishReason?: string }[];
  usageMetadata?: Record<string, number>;
  responseId?: string;
}
const parseChunk = (p: string) => JSON.parse(p) as RawChunk;
function geminiFacts(chunks: readonly RawChunk[]): GeminiFacts {
  const f: GeminiFacts = { text: '', thoughts: '', calls: [], finish: undefined, usage: undefined };
  for (const c of chunks) {
    if (c.usageMetadata) f.usage = c.usageMetadata;
    for (const cand of c.candidates ?? []) {
      for (const p of cand.content?.parts ?? []) {
        if (p.functionCall) f.calls.push({ name: p.functionCall.name, args: JSON.stringify(p.functionCall.args ?? {}), signature: p.thoughtSignature });
        else if (p.thought) f.thoughts += p.text ?? '';
        else f.text += p.text ?? '';
      }
      if (cand.finishReason) f.finish = cand.finishReason;
    }
  }
  return f;
}
const expectedUsage = (u: Record<string, number | undefined>) => ({
  inputTokens: u.promptTokenCount ?? 0,
  outputTokens: (u.candidatesTokenCount ?? 0) + (u.thoughtsTokenCount ?? 0),
  totalTokens: u.totalTokenCount,
});

describe('gemini adapter: requests', () => {
  it('generate-content-basic: URL, x-goog-api-key, contents and generationConfig as captured', () => {
    const call = gemini.chat.buildRequest(ex({ maxTokens: 200, reasoning: { budgetTokens: 50 } }));
    expect(call).toMatchObject({ method: 'POST', url: `${BASE}/models/gemini-2.5-flash:generateContent`, stream: false, responseFormat: 'json' });
    expect(call.headers).toEqual({ 'content-type': 'application/json', 'x-goog-api-key': 'AIza-test' });
    const captured = fixtureJson<{ contents: unknown }>('gemini/generate-content-basic.request.json');
    const b = JSON.parse(call.body as string);
    expect(b.contents).toEqual(captured.contents);
    expect(b.generationConfig).toEqual({ maxOutputTokens: 200, thinkingConfig: { thinkingBudget: 50, includeThoughts: true } });
  });

  it('streams with streamGenerateContent?alt=sse and keeps tuned-model names', () => {
    const call = gemini.chat.buildRequest(ex({ stream: true }, 'models/gemini-2.0-flash'));
    expect(call).toMatchObject({ url: `${BASE}/models/gemini-2.0-flash:streamGenerateContent?alt=sse`, stream: true, responseFormat: 'sse' });
    expect(call.headers.accept).toBe('text/event-stream');
    expect(gemini.chat.buildRequest(ex({}, 'tunedModels/my-model-123')).url).toBe(`${BASE}/tunedModels/my-model-123:generateContent`);
  });

  it('stream-sse-text: the system message becomes systemInstruction', () => {
    const captured = fixtureJson<{ contents: unknown; systemInstruction: { parts: unknown }; generationConfig: unknown }>('gemini/stream-sse-text.request.json');
    const b = body(ex({ stream: true, temperature: 0, messages: [{ role: 'system', content: 'You are a helpful chatbot.' }, { role: 'user', content: 'What is the capital of France?' }] }));
    expect(b.contents).toEqual(captured.contents);
    expect(b.systemInstruction.parts).toEqual(captured.systemInstruction.parts);
    expect(b.generationConfig).toEqual(captured.generationConfig);
  });

  it('maps tools, tool choice, JSON schema output, sampling, n, logprobs, images and files', () => {
    const req: ChatRequest = {
      ...basic,
      messages: [
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { kind: 'url', url: 'gs://bucket/cat.jpg' } },
            { type: 'file', source: { kind: 'url', url: 'https://generativelanguage.googleapis.com/v1beta/files/abc-123' } },
          ],
        },
      ],
      tools: [
        { name: 'look', description: 'Look closer', parameters: { type: 'object', properties: { at: { type: ['string', 'null'] } }, additionalProperties: false } },
        { name: 'shrug', parameters: {} },
      ],
      toolChoice: { name: 'look' },
      responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object', properties: { items: { type: 'array', items: { type: 'string' } } } } },
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      maxTokens: 512,
      stop: ['END'],
      seed: 7,
      n: 2,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      logprobs: true,
      topLogprobs: 3,
      reasoning: { effort: 'low' },
      metadata: { team: 'a' },
      extra: { safetySettings: [{ category: 'HARM_CATEGORY_HARASSMENT', threshold: 'BLOCK_NONE' }] },
    };
    const b = body(ex(req));
    expect(b.tools[0].functionDeclarations[0].parametersJsonSchema.additionalProperties).toBe(false);
    expect(b.tools[0].functionDeclarations[1]).toEqual({ name: 'shrug' });
    expect(b.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['look'] } });
    expect(b.generationConfig).toMatchObject({ candidateCount: 2, responseMimeType: 'application/json', responseLogprobs: true, logprobs: 3, thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
    expect(b.labels).toBeUndefined(); // AI Studio has no labels (Vertex does)
    expectGoldenJson('gemini/request-features', b);
    // Gemini 3 takes a thinking level; thinking off is a zero budget on 2.5.
    expect(body(ex({ reasoning: { effort: 'high' } }, 'gemini-3-pro-preview')).generationConfig.thinkingConfig).toEqual({ thinkingLevel: 'high', includeThoughts: true });
    expect(body(ex({ reasoning: { effort: 'none' } })).generationConfig.thinkingConfig).toEqual({ thinkingBudget: 0 });
    expect(body(ex({ responseFormat: { type: 'json_object' } })).generationConfig).toEqual({ responseMimeType: 'application/json' });
    expect(body(ex({ toolChoice: 'none', tools: [{ name: 'f' }] })).toolConfig).toEqual({ functionCallingConfig: { mode: 'NONE' } });
    expect(body(ex({ toolChoice: 'required', tools: [{ name: 'f' }] })).toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });
  });

  it('sends the thoughtSignature of a streamed call back with it (stream-sse-function-call round trip)', () => {
    // Turn 1: the model calls get_country; the client gets one tool call whose id carries the signature.
    const first = replay(gemini.chat.createStreamTranslator(ex({ stream: true })), [fixtureBytes('gemini/stream-sse-function-call.0.response.sse')]);
    const [call] = assemble(first.chunks)[0]!.toolCalls;
    const captured0 = ssePayloads(fixtureText('gemini/stream-sse-function-call.0.response.sse')).map(parseChunk);
    const signature = captured0[0]!.candidates![0]!.content!.parts![0]!.thoughtSignature;
    expect(unpackToolCallId(call!.id)).toEqual({ id: 'call_gen0001', signature });
    // Turn 2: the client sends the call and its result back, as the OpenAI SDK would.
    const history: ChatRequest['messages'] = [
      { role: 'user', content: 'What is the capital of the user country? Call the tool' },
      { role: 'assistant', content: null, toolCalls: [{ id: call!.id, name: call!.name, arguments: call!.arguments }] },
      { role: 'tool', toolCallId: call!.id, content: 'Mexico' },
    ];
    const b = body(ex({ stream: true, messages: history, tools: [{ name: 'get_country', description: '', parameters: { type: 'object', properties: {}, additionalProperties: false } }] }));
    const captured1 = fixtureJson<{ contents: unknown[]; tools: { functionDeclarations: { parameters_json_schema: unknown }[] }[] }>('gemini/stream-sse-function-call.1.request.json');
    expect(b.contents[0]).toEqual(captured1.contents[0]);
    expect(b.contents[1]).toEqual({ role: 'model', parts: [{ functionCall: { name: 'get_country', args: {}, id: 'call_gen0001' }, thoughtSignature: signature }] });
    expect(b.contents[2]).toEqual({ role: 'user', parts: [{ functionResponse: { name: 'get_country', response: { output: 'Mexico' }, id: 'call_gen0001' } }] });
    expect(b.tools[0].functionDeclarations[0]).toEqual({ name: 'get_country', description: '', parametersJsonSchema: captured1.tools[0]!.functionDeclarations[0]!.parameters_json_schema });
    expectGoldenJson('gemini/request-tool-roundtrip', b);
  });

  it('groups parallel function responses in one user turn, takes an explicit signature, marks errors', () => {
    const b = body(
      ex({
        messages: [
          { role: 'user', content: 'Weather in Paris and Rome?' },
          {
            role: 'assistant',
            content: 'Checking.',
            reasoning: [{ text: 'thinking…', signature: 'sig-text' }],
            toolCalls: [
              { id: 'a', name: 'weather', arguments: '{"city":"Paris"}', signature: 'sig-a' },
              { id: 'b', name: 'weather', arguments: '{"city":"Rome"}' },
            ],
          },
          { role: 'tool', toolCallId: 'a', content: '18C' },
          { role: 'tool', toolCallId: 'b', content: 'timeout', isError: true },
          { role: 'user', content: 'Thanks' },
        ],
      }),
    );
    expect(b.contents.map((c: { role: string }) => c.role)).toEqual(['user', 'model', 'user']);
    expect(b.contents[1].parts).toEqual([
      { text: 'Checking.', thoughtSignature: 'sig-text' },
      { functionCall: { name: 'weather', args: { city: 'Paris' }, id: 'a' }, thoughtSignature: 'sig-a' },
      { functionCall: { name: 'weather', args: { city: 'Rome' }, id: 'b' } },
    ]);
    expect(b.contents[2].parts).toEqual([
      { functionResponse: { name: 'weather', response: { output: '18C' }, id: 'a' } },
      { functionResponse: { name: 'weather', response: { error: 'timeout' }, id: 'b' } },
      { text: 'Thanks' },
    ]);
  });

  it('Gemini 3: a function call no Gemini signed (a fallback from another provider) gets the documented placeholder; real signatures are kept', () => {
    const messages: ChatRequest['messages'] = [
      { role: 'user', content: 'Weather in Paris and Rome?' },
      // Made by another provider before a fallback: no signature anywhere.
      { role: 'assistant', content: null, toolCalls: [{ id: 'call_x1', name: 'weather', arguments: '{"city":"Paris"}' }, { id: 'call_x2', name: 'weather', arguments: '{"city":"Rome"}' }] },
      { role: 'tool', toolCallId: 'call_x1', content: '18C' },
      { role: 'tool', toolCallId: 'call_x2', content: '21C' },
      // Signed by Gemini: only the first call of a parallel step carries one.
      { role: 'assistant', content: null, toolCalls: [{ id: 'a', name: 'weather', arguments: '{"city":"Oslo"}', signature: 'sig-a' }, { id: 'b', name: 'weather', arguments: '{"city":"Bern"}' }] },
      { role: 'tool', toolCallId: 'a', content: '5C' },
      { role: 'tool', toolCallId: 'b', content: '9C' },
    ];
    const g3 = body(ex({ messages }, 'gemini-3-pro-preview'));
    expect(g3.contents[1].parts).toEqual([
      { functionCall: { name: 'weather', args: { city: 'Paris' }, id: 'call_x1' }, thoughtSignature: 'skip_thought_signature_validator' },
      { functionCall: { name: 'weather', args: { city: 'Rome' }, id: 'call_x2' } },
    ]);
    expect(g3.contents[3].parts).toEqual([
      { functionCall: { name: 'weather', args: { city: 'Oslo' }, id: 'a' }, thoughtSignature: 'sig-a' },
      { functionCall: { name: 'weather', args: { city: 'Bern' }, id: 'b' } },
    ]);
    // Earlier models do not validate signatures: nothing is added.
    const g25 = body(ex({ messages }, 'gemini-2.5-flash'));
    expect(g25.contents[1].parts[0]).not.toHaveProperty('thoughtSignature');
  });

  it('refuses what Gemini cannot take, naming the parameter', () => {
    const param = (r: Partial<ChatRequest>) => {
      try {
        gemini.chat.buildRequest(ex(r));
      } catch (e) {
        expect(e).toBeInstanceOf(ProviderFailure);
        return (e as ProviderFailure).error.param;
      }
      return 'no error';
    };
    expect(param({ logitBias: { '50256': -100 } })).toBe('logit_bias');
    expect(param({ messages: [{ role: 'tool', toolCallId: 'nope', content: 'x' }] })).toBe('messages[0].tool_call_id');
    expect(param({ messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'c', name: 'f', arguments: '[1]' }] }] })).toBe('messages[0].tool_calls[0].function.arguments');
    expect(param({ messages: [{ role: 'system', content: [{ type: 'image', source: { kind: 'url', url: 'https://x.test/a.png' } }] }] })).toBe('messages[0].content[0]');
    expect(param({ messages: [{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'ftp://x.test/a.png' } }] }] })).toBe('messages[0].content[0]');
  });
});

describe('gemini adapter: responses', () => {
  it('generate-content-basic: text, MAX_TOKENS → length, thoughts counted in output', () => {
    const { response, usage } = gemini.chat.parseResponse(ex(), fixtureBytes('gemini/generate-content-basic.response.json'), {});
    const raw = fixtureJson<{ candidates: { content: { parts: { text: string }[] } }[] }>('gemini/generate-content-basic.response.json');
    expect(response).toMatchObject({ id: 'jy77aN2dK5v_1e8PlvqtsQ8', model: 'gemini-2.5-flash', created: 1_700_000_000 });
    expect(response.choices[0]).toMatchObject({ index: 0, finishReason: 'length', message: { role: 'assistant', content: raw.candidates[0]!.content.parts[0]!.text } });
    expect(usage).toEqual({ inputTokens: 7, outputTokens: 149 + 48, totalTokens: 204, reasoningTokens: 48 });
    expect(response.usage).toBe(usage);
  });

  it('generate-content-function-call: a whole call, STOP after a call → tool_calls, content null', () => {
    const { response } = gemini.chat.parseResponse(ex(), fixtureBytes('gemini/generate-content-function-call.0.response.json'), {});
    expect(response.choices[0]).toEqual({
      index: 0,
      finishReason: 'tool_calls',
      message: { role: 'assistant', content: null, toolCalls: [{ id: 'call_gen0001', name: 'customDivide', arguments: '{"denominator":2,"numerator":100}' }] },
    });
    expectGoldenJson('gemini/response-function-call', response);
  });

  it('turns safety blocks into content_filter, keeps cached tokens and logprobs', () => {
    const blocked = gemini.chat.parseResponse(ex(), enc.encode(JSON.stringify({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 } })), {});
    expect(blocked.response.choices).toEqual([{ index: 0, message: { role: 'assistant', content: null }, finishReason: 'content_filter' }]);
    expect(blocked.usage).toEqual({ inputTokens: 9, outputTokens: 0, totalTokens: 9 });
    const body2 = {
      candidates: [
        { content: { parts: [{ text: 'I can' }], role: 'model' }, finishReason: 'SAFETY', index: 0, logprobsResult: { chosenCandidates: [{ token: 'I', logProbability: -0.5 }], topCandidates: [{ candidates: [{ token: 'I', logProbability: -0.5 }, { token: 'We', logProbability: -1.5 }] }] } },
        { content: { parts: [{ text: 'Sure' }], role: 'model' }, finishReason: 'STOP', index: 1 },
      ],
      usageMetadata: { promptTokenCount: 100, cachedContentTokenCount: 80, candidatesTokenCount: 3, totalTokenCount: 103 },
    };
    const { response, usage } = gemini.chat.parseResponse(ex(), enc.encode(JSON.stringify(body2)), {});
    expect(response.choices.map((c) => c.finishReason)).toEqual(['content_filter', 'stop']);
    expect(response.choices[0]!.logprobs?.content?.[0]).toEqual({ token: 'I', logprob: -0.5, bytes: [73], topLogprobs: [{ token: 'I', logprob: -0.5, bytes: [73] }, { token: 'We', logprob: -1.5, bytes: [87, 101] }] });
    expect(usage).toEqual({ inputTokens: 100, outputTokens: 3, totalTokens: 103, cachedInputTokens: 80 });
    const price = lookupModel('g', 'gemini', 'gemini-2.5-flash');
    expect(costOf(usage, price)).toBeCloseTo(20 * price.inputPerToken + 80 * price.cachedInputPerToken + 3 * price.outputPerToken, 12);
  });

  it('refuses bodies it cannot read with bad_response', () => {
    for (const b of ['<html>', '{"candidates":[]}', '{"error":{"code":500,"message":"x"}}']) {
      expect(() => gemini.chat.parseResponse(ex(), enc.encode(b), {})).toThrow(expect.objectContaining({ error: expect.objectContaining({ kind: 'bad_response', status: 502 }) }));
    }
  });
});

const sseStreams = ['stream-sse-text', 'stream-sse-function-call.0', 'stream-sse-function-call.1'];
const arrayStreams = ['stream-json-array-text', 'stream-json-array-function-call.0', 'stream-json-array-function-call.1', 'stream-json-array-function-call.2'];
const streamCases = [
  ...sseStreams.map((n) => ({ n, file: `gemini/${n}.response.sse`, framing: 'sse' as const, chunks: () => ssePayloads(fixtureText(`gemini/${n}.response.sse`)).map(parseChunk) })),
  ...arrayStreams.map((n) => ({ n, file: `gemini/${n}.response.json`, framing: 'json-array-stream' as const, chunks: () => fixtureJson<RawChunk[]>(`gemini/${n}.response.json`) })),
];

describe('gemini adapter: streams (every split)', () => {
  for (const s of streamCases) {
    it(`${s.n}: text, thoughts, calls with signatures, finish and the last usage match the capture`, () => {
      const facts = geminiFacts(s.chunks());
      const r = replayAllSplits(() => geminiStreamTranslator(ex({ stream: true }), s.framing), fixtureBytes(s.file));
      expect(r.error).toBeUndefined();
      expect(r.done).toBe(true);
      const [c] = assemble(r.chunks);
      expect(c!.role).toBe('assistant');
      expect(c!.content).toBe(facts.text);
      expect(c!.reasoning).toBe(facts.thoughts);
      expect(c!.toolCalls.map((t) => ({ name: t.name, args: t.arguments, signature: unpackToolCallId(t.id).signature }))).toEqual(facts.calls);
      expect(c!.finishReason).toBe(facts.calls.length > 0 ? 'tool_calls' : { STOP: 'stop', MAX_TOKENS: 'length' }[facts.finish!]);
      expect(r.usage).toMatchObject(expectedUsage(facts.usage!));
      expect(r.chunks.every((ch) => ch.id === s.chunks()[0]!.responseId)).toBe(true);
      expectGoldenJson(`gemini/stream-${s.n}`, r);
    });
  }

  it('the last usage snapshot wins even when it shrinks (stream-sse-text reports 15, then 13 prompt tokens)', () => {
    const r = replay(gemini.chat.createStreamTranslator(ex({ stream: true })), [fixtureBytes('gemini/stream-sse-text.response.sse')]);
    expect(r.usage).toEqual({ inputTokens: 13, outputTokens: 8, totalTokens: 21 });
    expect(r.usageSteps).toBe(1);
  });

  it('reports a stream cut before its finishReason as truncated, keeping the usage seen', () => {
    const text = fixtureText('gemini/stream-sse-function-call.1.response.sse');
    const cut = text.slice(0, text.lastIndexOf('data:'));
    const r = replay(gemini.chat.createStreamTranslator(ex({ stream: true })), [enc.encode(cut)]);
    expect(r.error).toMatchObject({ status: 502, kind: 'server' });
    expect(r.done).toBe(true);
    expect(r.usage).toMatchObject({ inputTokens: 55, outputTokens: 8 });
    expect(assemble(r.chunks)[0]!.content).toBe('The capital of Mexico is Mexico City.');
  });

  it('turns an error object after a 200 into an error step', () => {
    const first = ssePayloads(fixtureText('gemini/stream-sse-text.response.sse'))[0]!;
    const err = '{"error": {"code": 503,"message": "The model is overloaded. Please try again later.","status": "UNAVAILABLE"}}';
    const r = replay(gemini.chat.createStreamTranslator(ex({ stream: true })), [enc.encode(`data: ${first}\r\n\r\ndata: ${err}\r\n\r\n`)]);
    expect(r.error).toEqual({ status: 503, kind: 'overloaded', message: 'The model is overloaded. Please try again later.', providerCode: 'UNAVAILABLE' });
    expect(r.done).toBe(true);
    expect(assemble(r.chunks)[0]!.content).toBe('The');
  });

  it('finishes a prompt blocked by safety with content_filter', () => {
    const r = replay(gemini.chat.createStreamTranslator(ex({ stream: true })), [enc.encode('data: {"promptFeedback": {"blockReason": "PROHIBITED_CONTENT"},"usageMetadata": {"promptTokenCount": 4,"totalTokenCount": 4}}\r\n\r\n')]);
    expect(r.error).toBeUndefined();
    expect(r.done).toBe(true);
    expect(assemble(r.chunks)[0]!.finishReason).toBe('content_filter');
    expect(r.usage?.inputTokens).toBe(4);
  });

  it('keeps candidates apart (n > 1) and needs every candidate to finish', () => {
    const frame = (c: object[]) => `data: ${JSON.stringify({ candidates: c, responseId: 'r1' })}\r\n\r\n`;
    const bytes = enc.encode(
      frame([{ content: { parts: [{ text: 'A' }] }, index: 0 }, { content: { parts: [{ text: 'B' }] }, index: 1 }]) +
        frame([{ content: { parts: [{ text: 'a' }] }, index: 0, finishReason: 'STOP' }]) +
        frame([{ content: { parts: [{ text: 'b' }] }, index: 1, finishReason: 'MAX_TOKENS' }]),
    );
    const r = replayAllSplits(() => gemini.chat.createStreamTranslator(ex({ stream: true, n: 2 })), bytes);
    const [a, b] = assemble(r.chunks);
    expect([a!.content, a!.finishReason, b!.content, b!.finishReason, b!.role]).toEqual(['Aa', 'stop', 'Bb', 'length', 'assistant']);
    const halfway = replay(gemini.chat.createStreamTranslator(ex({ stream: true, n: 2 })), [bytes.subarray(0, bytes.length - frame([{ content: { parts: [{ text: 'b' }] }, index: 1, finishReason: 'MAX_TOKENS' }]).length)]);
    expect(halfway.error?.kind).toBe('server');
  });
});

describe('gemini adapter: errors', () => {
  it('error-400-api-key-invalid: an auth failure despite the 400', () => {
    const e = gemini.parseError(400, {}, fixtureBytes('gemini/error-400-api-key-invalid.response.json'));
    expect(e).toEqual({ status: 400, kind: 'auth', message: 'API key not valid. Please pass a valid API key.', providerCode: 'API_KEY_INVALID' });
  });

  it('error-429-resource-exhausted: rate_limit with RetryInfo as retryAfterMs (over any header)', () => {
    const e = gemini.parseError(429, { 'retry-after': '5' }, fixtureBytes('gemini/error-429-resource-exhausted.response.json'));
    expect(e).toMatchObject({ status: 429, kind: 'rate_limit', retryAfterMs: 34_400, providerCode: 'RESOURCE_EXHAUSTED' });
    const daily = JSON.stringify({ error: { code: 429, message: 'quota', status: 'RESOURCE_EXHAUSTED', details: [{ '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier' }] }] } });
    expect(gemini.parseError(429, {}, enc.encode(daily)).kind).toBe('quota');
  });

  it('404s (generate and embed) → not_found; the array-wrapped form is read too', () => {
    for (const f of ['error-404-model-not-found-stream', 'error-404-embed-model-not-found']) {
      const raw = fixtureJson<{ error: { message: string } }>(`gemini/${f}.response.json`);
      const e = gemini.parseError(404, {}, fixtureBytes(`gemini/${f}.response.json`));
      expect(e).toEqual({ status: 404, kind: 'not_found', message: raw.error.message, providerCode: 'NOT_FOUND' });
      expect(gemini.parseError(404, {}, enc.encode(JSON.stringify([raw])))).toEqual(e);
    }
  });

  it('classifies context-length and status-only errors, never throws on odd bodies', () => {
    const long = JSON.stringify({ error: { code: 400, message: 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).', status: 'INVALID_ARGUMENT' } });
    expect(gemini.parseError(400, {}, enc.encode(long)).kind).toBe('context_length');
    expect(gemini.parseError(503, {}, enc.encode('<html><body>Service Unavailable</body></html>'))).toMatchObject({ status: 503, kind: 'overloaded' });
    expect(gemini.parseError(500, {}, new Uint8Array())).toMatchObject({ status: 500, kind: 'server' });
  });
});

describe('gemini adapter: embeddings and models', () => {
  const eex = (request: EmbeddingsExchange['request']): EmbeddingsExchange => ({ request, target: { providerModel: 'gemini-embedding-001', baseUrl: BASE, apiKey: 'AIza-test' }, ctx: ctx() });

  it('batch-embed-contents: the captured request, and its 768-dimension vector back', () => {
    const x = eex({ model: 'e', input: ['Some text goes here'], dimensions: 768 });
    const call = gemini.embeddings!.buildRequest(x);
    expect(call).toMatchObject({ method: 'POST', url: `${BASE}/models/gemini-embedding-001:batchEmbedContents`, responseFormat: 'json' });
    expect(call.headers['x-goog-api-key']).toBe('AIza-test');
    expect(JSON.parse(call.body as string)).toEqual(JSON.parse(fixtureText('gemini/batch-embed-contents.request.json')));
    const raw = fixtureJson<{ embeddings: { values: number[] }[] }>('gemini/batch-embed-contents.response.json');
    const { response, usage } = gemini.embeddings!.parseResponse(x, fixtureBytes('gemini/batch-embed-contents.response.json'), {});
    expect(response.data).toEqual([{ index: 0, embedding: raw.embeddings[0]!.values }]);
    expect(usage).toEqual({ inputTokens: 0, outputTokens: 0, totalTokens: 0 });
    const b64 = gemini.embeddings!.parseResponse(eex({ model: 'e', input: ['x'], encodingFormat: 'base64' }), fixtureBytes('gemini/batch-embed-contents.response.json'), {});
    expect(typeof b64.response.data[0]!.embedding).toBe('string');
  });

  it('one text uses embedContent with its task type; token arrays are refused', () => {
    const call = gemini.embeddings!.buildRequest(eex({ model: 'e', input: 'hello', inputType: 'query' }));
    expect(call.url).toBe(`${BASE}/models/gemini-embedding-001:embedContent`);
    expect(JSON.parse(call.body as string)).toEqual({ content: { parts: [{ text: 'hello' }] }, taskType: 'RETRIEVAL_QUERY' });
    const one = gemini.embeddings!.parseResponse(eex({ model: 'e', input: 'hello' }), enc.encode('{"embedding":{"values":[0.5,-0.25]}}'), {});
    expect(one.response.data).toEqual([{ index: 0, embedding: [0.5, -0.25] }]);
    expect(() => gemini.embeddings!.buildRequest(eex({ model: 'e', input: [1, 2, 3] }))).toThrow(expect.objectContaining({ error: expect.objectContaining({ param: 'input' }) }));
  });

  it('lists models without the models/ prefix', () => {
    const call = gemini.models!.buildRequest({ providerModel: '', baseUrl: BASE, apiKey: 'AIza-test' });
    expect(call).toMatchObject({ method: 'GET', url: `${BASE}/models?pageSize=1000`, headers: { 'x-goog-api-key': 'AIza-test' } });
    const list = gemini.models!.parseResponse(enc.encode(JSON.stringify({ models: [{ name: 'models/gemini-2.5-flash', displayName: 'Gemini 2.5 Flash' }, { name: 'models/gemini-embedding-001' }] })));
    expect(list).toEqual([
      { id: 'gemini-2.5-flash', ownedBy: 'google' },
      { id: 'gemini-embedding-001', ownedBy: 'google' },
    ]);
  });

  it('resolves catalog prices for Gemini models (adapter id gemini → catalog provider google)', () => {
    for (const m of ['gemini-2.5-flash', 'gemini-2.0-flash-001', 'gemini-embedding-001']) {
      const f = lookupModel('g', 'gemini', m);
      expect(f.key, m).toMatch(/^google\//);
      expect(f.priced, m).toBe(true);
    }
    const usage = gemini.chat.parseResponse(ex(), fixtureBytes('gemini/generate-content-basic.response.json'), {}).usage;
    const f = lookupModel('g', 'gemini', 'gemini-2.5-flash');
    // Thoughts are billed as output.
    expect(costOf(usage, f)).toBeCloseTo(7 * f.inputPerToken + 197 * f.outputPerToken, 12);
  });
});
