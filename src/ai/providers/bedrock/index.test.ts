import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fixtureBytes, fixtureJson } from '../../../core/llm/test-support/fixtures.js';
import { expectGoldenJson } from '../../../core/llm/test-support/golden.js';
import type { ChatRequest } from '../../../core/llm/types.js';
import type { Target } from '../contract.js';
import { assemble, exchange, replay, replayAllSplits, resetIds } from '../test-support/replay.js';
import { bedrock } from './index.js';
import { signV4 } from './sigv4.js';

const US_EAST = 'https://bedrock-runtime.us-east-1.amazonaws.com';
const SONNET = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const NOVA = 'us.amazon.nova-micro-v1:0';
const basic: ChatRequest = { model: 'm', messages: [{ role: 'user', content: 'Hi' }], stream: false };
const target = (t: Partial<Target> = {}): Partial<Target> => ({ baseUrl: US_EAST, providerModel: SONNET, ...t });
const ex = (r: Partial<ChatRequest> = {}, t: Partial<Target> = {}) => exchange({ ...basic, ...r }, target(t));
const bodyOf = (r: Partial<ChatRequest>, t: Partial<Target> = {}) => JSON.parse(bedrock.chat.buildRequest(ex(r, t)).body as string);
const captured = (name: string) => fixtureJson<Record<string, unknown>>(`bedrock/${name}.request.json`);
const capturedUrl = (name: string) => fixtureJson<{ url: string }>(`bedrock/${name}.http.json`).url;
/** The recorder's client sends empty `inferenceConfig`/`system` objects; Sluice leaves empty fields out. */
const withoutEmpty = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => !(Array.isArray(v) ? v.length === 0 : typeof v === 'object' && v !== null && Object.keys(v).length === 0)));

const AWS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const france: ChatRequest = {
  model: 'm',
  stream: false,
  messages: [
    { role: 'system', content: 'You are a helpful chatbot.' },
    { role: 'user', content: 'What is the capital of France?' },
  ],
  temperature: 0,
};

describe('bedrock adapter: requests match the captures', () => {
  it('converse-basic: URL with the model id encoded, system blocks, inferenceConfig', () => {
    const call = bedrock.chat.buildRequest(ex(france));
    expect(call.url).toBe(capturedUrl('converse-basic'));
    expect(JSON.parse(call.body as string)).toEqual(captured('converse-basic'));
    expect(call).toMatchObject({ method: 'POST', stream: false, responseFormat: 'json' });
    expect(call.headers['content-type']).toBe('application/json');
  });

  it('converse-stream-text: /converse-stream, framed as an AWS event stream', () => {
    const call = bedrock.chat.buildRequest(ex({ ...france, stream: true }, { providerModel: NOVA }));
    expect(call.url).toBe(capturedUrl('converse-stream-text'));
    expect(JSON.parse(call.body as string)).toEqual(captured('converse-stream-text'));
    expect(call).toMatchObject({ stream: true, responseFormat: 'aws-eventstream' });
  });

  it('converse-stream-tool-use: toolConfig with toolSpec and inputSchema.json, topP', () => {
    const schema = (name: string, title: string, description: string) => ({
      properties: { [name]: { description, title, type: 'string' } },
      required: [name],
      type: 'object',
      additionalProperties: false,
    });
    const req: ChatRequest = {
      model: 'm',
      stream: true,
      topP: 0.5,
      messages: [
        { role: 'system', content: 'You are a helpful chatbot.' },
        { role: 'user', content: 'What is the temperature of the capital of France?' },
      ],
      tools: [
        { name: 'get_capital', description: 'Get the capital of a country.', parameters: schema('country', 'Country', 'The country name.') },
        { name: 'get_temperature', description: 'Get the temperature in a city.', parameters: schema('city', 'City', 'The city name.') },
      ],
    };
    const call = bedrock.chat.buildRequest(ex(req, { providerModel: NOVA }));
    expect(call.url).toBe(capturedUrl('converse-stream-tool-use'));
    expect(JSON.parse(call.body as string)).toEqual(captured('converse-stream-tool-use'));
  });

  it('converse-tool-use.0/.1: toolChoice auto, then the toolUse turn and its toolResult', () => {
    const tools: ChatRequest['tools'] = [
      {
        name: 'get_temperature',
        description: 'Get the current temperature in a city.',
        parameters: { additionalProperties: false, properties: { city: { type: 'string' } }, required: ['city'], type: 'object' },
      },
    ];
    const first: ChatRequest = {
      model: 'm',
      stream: false,
      toolChoice: 'auto',
      tools,
      messages: [
        { role: 'system', content: 'You are a helpful chatbot. Use tools when helpful.' },
        { role: 'user', content: 'What is the temperature in London? Use the tool.' },
      ],
    };
    const t = { providerModel: 'moonshot.kimi-k2-thinking' };
    expect(bedrock.chat.buildRequest(ex(first, t)).url).toBe(capturedUrl('converse-tool-use.0'));
    expect(bodyOf(first, t)).toEqual(withoutEmpty(captured('converse-tool-use.0')));
    const think = `<think>\n The user is asking for the current temperature in London. They've explicitly requested the use of a tool for this purpose. I have a tool called \`get_temperature\` that can provide this information. It requires a single parameter "city" which should be "London" in this case.\n</think>`;
    const second: ChatRequest = {
      ...first,
      messages: [
        ...first.messages,
        { role: 'assistant', content: think, toolCalls: [{ id: 'functions.get_temperature:0', name: 'get_temperature', arguments: '{"city":"London"}' }] },
        { role: 'tool', toolCallId: 'functions.get_temperature:0', content: '30°C' },
      ],
    };
    // The recorder's client always sends `status: "success"`; Sluice sends a status only for failures.
    const expected = withoutEmpty(captured('converse-tool-use.1')) as { messages: { content: { toolResult?: { status?: string } }[] }[] };
    delete expected.messages[2]!.content[0]!.toolResult!.status;
    expect(bodyOf(second, t)).toEqual(expected);
  });

  it('error-400-validation: a plain conversation with no system prompt', () => {
    const t = { providerModel: 'us.does-not-exist-model-v1:0' };
    expect(bedrock.chat.buildRequest(ex({ messages: [{ role: 'user', content: 'hello' }] }, t)).url).toBe(capturedUrl('error-400-validation-converse'));
    expect(bodyOf({ messages: [{ role: 'user', content: 'hello' }] }, t)).toEqual(withoutEmpty(captured('error-400-validation-converse')));
  });
});

describe('bedrock adapter: translation of everything else', () => {
  it('images, documents, cache points, signed reasoning, tool errors, thinking, top_k, json_schema, metadata', () => {
    const req: ChatRequest = {
      model: 'm',
      stream: false,
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Long instructions', cache: { type: 'ephemeral' } }] },
        { role: 'developer', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Compare these' },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'file', source: { kind: 'base64', mediaType: 'application/pdf', data: 'JVBERi0x' }, filename: 'Q3 report (final).pdf', cache: { type: 'ephemeral' } },
            { type: 'image', source: { kind: 'url', url: 's3://bucket/cat.jpeg' } },
          ],
        },
        {
          role: 'assistant',
          content: 'Let me look.',
          reasoning: [{ text: 'thinking…', signature: 'sig-1' }, { text: 'unsigned, not replayed' }, { text: '', redacted: 'b64redacted' }],
          toolCalls: [
            { id: 'tooluse_1', name: 'lookup', arguments: '{"q":"a"}' },
            { id: 'tooluse_2', name: 'lookup', arguments: '' },
          ],
        },
        { role: 'tool', toolCallId: 'tooluse_1', content: 'found a' },
        { role: 'tool', toolCallId: 'tooluse_2', content: 'boom', isError: true },
        { role: 'user', content: 'And now?' },
      ],
      tools: [{ name: 'lookup', description: 'Look up', parameters: { type: 'object', properties: { q: { type: 'string' } } }, cache: { type: 'ephemeral' } }],
      toolChoice: { name: 'lookup' },
      maxTokens: 20000,
      stop: ['END'],
      topK: 40,
      reasoning: { effort: 'medium' },
      responseFormat: { type: 'json_schema', name: 'answer', schema: { type: 'object', properties: { a: { type: 'string' } } } },
      metadata: { team: 'search' },
      extra: { performanceConfig: { latency: 'optimized' } },
    };
    const body = bodyOf(req);
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(body.messages[2].content.map((b: object) => Object.keys(b)[0])).toEqual(['toolResult', 'toolResult', 'text']);
    expect(body.messages[2].content[1].toolResult.status).toBe('error');
    expect(body.additionalModelRequestFields).toEqual({ top_k: 40, thinking: { type: 'enabled', budget_tokens: 8192 } });
    expect(body.toolConfig.toolChoice).toEqual({ tool: { name: 'lookup' } });
    expect(JSON.parse(body.outputConfig.textFormat.structure.jsonSchema.schema)).toEqual({ type: 'object', properties: { a: { type: 'string' } } });
    resetIds();
    expectGoldenJson('bedrock/request-everything', body);
  });

  it('puts top-k where each model family reads it, and gives Claude room above the thinking budget', () => {
    expect(bodyOf({ topK: 5 }, { providerModel: NOVA }).additionalModelRequestFields).toEqual({ inferenceConfig: { topK: 5 } });
    expect(bodyOf({ topK: 5 }, { providerModel: 'meta.llama3-70b-instruct-v1:0' }).additionalModelRequestFields).toBeUndefined();
    expect(bodyOf({ reasoning: { budgetTokens: 2000 } }).inferenceConfig).toEqual({ maxTokens: 6096 });
    expect(bodyOf({ reasoning: { enabled: false } }).additionalModelRequestFields).toEqual({ thinking: { type: 'disabled' } });
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0';
    expect(bodyOf({ topK: 3 }, { providerModel: arn }).additionalModelRequestFields).toEqual({ top_k: 3 });
  });

  it('encodes an inference-profile ARN as one path segment', () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3';
    expect(bedrock.chat.buildRequest(ex({ stream: true }, { providerModel: arn })).url).toBe(
      `${US_EAST}/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fa1b2c3/converse-stream`,
    );
  });

  it('tool_choice none leaves the tools out, unless the history holds tool blocks', () => {
    const tools: ChatRequest['tools'] = [{ name: 'f' }];
    expect(bodyOf({ tools, toolChoice: 'none' }).toolConfig).toBeUndefined();
    const history: ChatRequest['messages'] = [
      { role: 'user', content: 'x' },
      { role: 'assistant', content: null, toolCalls: [{ id: 't1', name: 'f', arguments: '{}' }] },
      { role: 'tool', toolCallId: 't1', content: 'ok' },
    ];
    expect(bodyOf({ tools, toolChoice: 'none', messages: history }).toolConfig).toEqual({ tools: [{ toolSpec: { name: 'f', inputSchema: { json: { type: 'object', properties: {} } } } }] });
    expect(bodyOf({ tools, toolChoice: 'required' }).toolConfig.toolChoice).toEqual({ any: {} });
  });

  it('refuses what Converse cannot express, naming the parameter', () => {
    const refused = (r: Partial<ChatRequest>, param: string) =>
      expect(() => bedrock.chat.buildRequest(ex(r))).toThrow(expect.objectContaining({ error: expect.objectContaining({ status: 400, kind: 'invalid_request', param }) }));
    refused({ n: 2 }, 'n');
    refused({ logprobs: true }, 'logprobs');
    refused({ messages: [{ role: 'user', content: [{ type: 'image', source: { kind: 'url', url: 'https://x.test/a.png' } }] }] }, 'messages[0].content[0]');
    refused({ messages: [{ role: 'user', content: [{ type: 'image', source: { kind: 'base64', mediaType: 'image/tiff', data: 'AA' } }] }] }, 'messages[0].content[0]');
    refused({ messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'c', name: 'f', arguments: '[1]' }] }] }, 'messages[0].tool_calls[0].function.arguments');
    refused({ tools: [{ name: 'f' }], toolChoice: { name: 'g' } }, 'tool_choice');
  });
});

describe('bedrock adapter: authentication', () => {
  const now = Date.UTC(2025, 0, 2, 3, 4, 5);
  const signed = (t: Partial<Target>) => bedrock.chat.buildRequest({ ...ex(france, t), ctx: { now: () => now } });

  it('signs with SigV4 (service bedrock, region from the endpoint) and adds the session token', () => {
    const call = signed({ apiKey: undefined, awsCredentials: { ...AWS, sessionToken: 'FQoGZXIvYXdzE' }, extraHeaders: { 'x-amzn-bedrock-trace': 'ENABLED', 'x-amz-meta': 'm' } });
    expect(call.headers['x-amz-date']).toBe('20250102T030405Z');
    expect(call.headers['x-amz-security-token']).toBe('FQoGZXIvYXdzE');
    expect(call.headers['x-amzn-bedrock-trace']).toBe('ENABLED');
    const expected = signV4({
      method: 'POST',
      url: call.url,
      headers: { 'content-type': 'application/json', 'x-amz-meta': 'm' },
      body: call.body,
      credentials: { ...AWS, sessionToken: 'FQoGZXIvYXdzE' },
      region: 'us-east-1',
      service: 'bedrock',
      nowMs: now,
    });
    expect(expected.canonicalRequest.split('\n')[1]).toBe('/model/us.anthropic.claude-sonnet-4-5-20250929-v1%253A0/converse');
    expect(call.headers.authorization).toBe(expected.headers.authorization);
    expect(call.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20250102\/us-east-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-meta;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
  });

  it('reads the region from FIPS and VPC-endpoint hosts, or from Target.region for a proxy', () => {
    const scope = (t: Partial<Target>) => /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(signed({ awsCredentials: AWS, ...t }).headers.authorization!)?.[1];
    expect(scope({ baseUrl: 'https://bedrock-runtime-fips.us-west-2.amazonaws.com' })).toBe('us-west-2');
    expect(scope({ baseUrl: 'https://vpce-0a1b-c2d3.bedrock-runtime.eu-central-1.vpce.amazonaws.com' })).toBe('eu-central-1');
    expect(scope({ baseUrl: 'http://127.0.0.1:8080', region: 'ap-northeast-1' })).toBe('ap-northeast-1');
    expect(() => signed({ awsCredentials: AWS, baseUrl: 'http://127.0.0.1:8080' })).toThrow(/no region/);
    expect(() => signed({ awsCredentials: AWS, region: 'eu-west-1' })).toThrow(/region eu-west-1 but base_url is the us-east-1 endpoint/);
  });

  it('derives the endpoint from the region when no base_url is configured', () => {
    expect(bedrock.defaultBaseUrlFor?.({ region: 'eu-west-3' })).toBe('https://bedrock-runtime.eu-west-3.amazonaws.com');
    expect(bedrock.defaultBaseUrlFor?.({ region: 'cn-north-1' })).toBe('https://bedrock-runtime.cn-north-1.amazonaws.com.cn');
    expect(bedrock.defaultBaseUrlFor?.({})).toBeUndefined();
    expect(bedrock.defaultBaseUrl).toBeUndefined();
  });

  it('sends a Bedrock API key as a bearer token when there are no AWS credentials', () => {
    const call = signed({ apiKey: 'ABSKbedrockkey' });
    expect(call.headers.authorization).toBe('Bearer ABSKbedrockkey');
    expect(call.headers['x-amz-date']).toBeUndefined();
    // No signature, so a region that disagrees with the host is not the adapter's concern.
    expect(signed({ apiKey: 'k', region: 'eu-west-1' }).headers.authorization).toBe('Bearer k');
  });
});

describe('bedrock adapter: responses', () => {
  it('converse-basic: text, end_turn → stop, usage with the cache counters folded into input', () => {
    const { response, usage } = bedrock.chat.parseResponse(ex(), fixtureBytes('bedrock/converse-basic.response.json'), {});
    const raw = fixtureJson<{ output: { message: { content: { text: string }[] } } }>('bedrock/converse-basic.response.json');
    expect(response.choices[0]).toMatchObject({ index: 0, finishReason: 'stop', message: { role: 'assistant', content: raw.output.message.content[0]!.text } });
    expect(usage).toEqual({ inputTokens: 21, outputTokens: 69, totalTokens: 90, cachedInputTokens: 0, cacheCreationInputTokens: 0 });
    expect(response.usage).toBe(usage);
    expect(response.model).toBe(SONNET);
  });

  it('converse-tool-use.0: reasoningContent and a toolUse with its input as JSON arguments', () => {
    resetIds();
    const { response, usage } = bedrock.chat.parseResponse(ex({}, { providerModel: 'moonshot.kimi-k2-thinking' }), fixtureBytes('bedrock/converse-tool-use.0.response.json'), {});
    const c = response.choices[0]!;
    expect(c.finishReason).toBe('tool_calls');
    expect(c.message.toolCalls).toEqual([{ id: 'functions.get_temperature:0', name: 'get_temperature', arguments: '{"city":"London"}' }]);
    expect(c.message.reasoning![0]!.text).toMatch(/^ The user is asking/);
    expect(c.message.content).toBeNull();
    expect(usage).toEqual({ inputTokens: 92, outputTokens: 75, totalTokens: 167 });
    expectGoldenJson('bedrock/response-tool-use', response);
  });

  it('counts cache reads and writes inside input (Claude prompt caching)', () => {
    const body = new TextEncoder().encode(
      JSON.stringify({ output: { message: { role: 'assistant', content: [{ text: 'ok' }] } }, stopReason: 'max_tokens', usage: { inputTokens: 10, outputTokens: 5, cacheReadInputTokens: 1000, cacheWriteInputTokens: 200, totalTokens: 1215 } }),
    );
    const { response, usage } = bedrock.chat.parseResponse(ex(), body, {});
    expect(usage).toEqual({ inputTokens: 1210, outputTokens: 5, totalTokens: 1215, cachedInputTokens: 1000, cacheCreationInputTokens: 200 });
    expect(response.choices[0]!.finishReason).toBe('length');
  });

  it('refuses a body without an output message (bad_response, 502)', () => {
    expect(() => bedrock.chat.parseResponse(ex(), new TextEncoder().encode('{"message":"odd"}'), {})).toThrow(expect.objectContaining({ error: expect.objectContaining({ status: 502, kind: 'bad_response' }) }));
  });
});

interface DecodedFrame {
  headers: Record<string, string>;
  payload: Record<string, unknown> & { contentBlockIndex?: number; delta?: { text?: string; toolUse?: { input: string } }; start?: { toolUse?: { toolUseId: string; name: string } } };
  total_length: number;
}

/** An independent reading of a decoded capture: what a client should end up with. */
function facts(frames: readonly DecodedFrame[]) {
  const f = { text: '', calls: [] as { id: string; name: string; arguments: string }[], stop: '', usage: {} as Record<string, number> };
  const byBlock = new Map<number, { id: string; name: string; arguments: string }>();
  for (const { headers, payload } of frames) {
    const t = headers[':event-type'];
    if (t === 'contentBlockStart' && payload.start?.toolUse) {
      const c = { id: payload.start.toolUse.toolUseId, name: payload.start.toolUse.name, arguments: '' };
      byBlock.set(payload.contentBlockIndex!, c);
      f.calls.push(c);
    }
    if (t === 'contentBlockDelta') {
      f.text += payload.delta?.text ?? '';
      if (payload.delta?.toolUse) byBlock.get(payload.contentBlockIndex!)!.arguments += payload.delta.toolUse.input;
    }
    if (t === 'messageStop') f.stop = payload.stopReason as string;
    if (t === 'metadata') f.usage = payload.usage as Record<string, number>;
  }
  return f;
}

/** One event-stream message with string headers, CRCs computed by node:zlib (independent of the decoder's). */
function frame(headers: Record<string, string>, payload: string): Uint8Array {
  const enc = new TextEncoder();
  const hs = Object.entries(headers).map(([k, v]) => {
    const name = enc.encode(k);
    const value = enc.encode(v);
    return Buffer.concat([Buffer.from([name.length]), name, Buffer.from([7, value.length >> 8, value.length & 0xff]), value]);
  });
  const hbuf = Buffer.concat(hs);
  const pbuf = Buffer.from(payload, 'utf8');
  const total = 12 + hbuf.length + pbuf.length + 4;
  const out = Buffer.alloc(total);
  out.writeUInt32BE(total, 0);
  out.writeUInt32BE(hbuf.length, 4);
  out.writeUInt32BE(crc32(out.subarray(0, 8)), 8);
  hbuf.copy(out, 12);
  pbuf.copy(out, 12 + hbuf.length);
  out.writeUInt32BE(crc32(out.subarray(0, total - 4)), total - 4);
  return new Uint8Array(out);
}

const exception = (type: string, message: string) => frame({ ':message-type': 'exception', ':exception-type': type, ':content-type': 'application/json' }, JSON.stringify({ message }));
/** The first `n` frames of a capture, cut at a frame boundary. */
const firstFrames = (bytes: Uint8Array, frames: readonly DecodedFrame[], n: number) => bytes.subarray(0, frames.slice(0, n).reduce((s, f) => s + f.total_length, 0));
const streamEx = (model = NOVA) => ex({ stream: true }, { providerModel: model });
/** A fresh translator with the id sequence reset, so every split replays to identical chunks. */
const fresh = (model = NOVA) => () => {
  resetIds();
  return bedrock.chat.createStreamTranslator(streamEx(model));
};

describe('bedrock adapter: ConverseStream (binary event stream, every split)', () => {
  for (const name of ['converse-stream-text', 'converse-stream-tool-use']) {
    it(`${name}: text, tool calls with stable indices, stop reason and usage match the capture`, () => {
      const bytes = fixtureBytes(`bedrock/${name}.response.eventstream.bin`);
      const f = facts(fixtureJson<DecodedFrame[]>(`bedrock/${name}.response.eventstream.decoded.json`));
      const r = replayAllSplits(fresh(), bytes);
      expect(r.error).toBeUndefined();
      expect(r.done).toBe(true);
      const [c, other] = assemble(r.chunks);
      expect(other).toBeUndefined();
      expect(c!.role).toBe('assistant');
      expect(c!.content).toBe(f.text);
      expect(c!.toolCalls).toEqual(f.calls);
      expect(c!.finishReason).toBe({ end_turn: 'stop', tool_use: 'tool_calls' }[f.stop]);
      expect(r.usage).toEqual({ inputTokens: f.usage.inputTokens, outputTokens: f.usage.outputTokens, totalTokens: f.usage.totalTokens });
      expect(r.chunks.at(-1)!.finishReason).toBeDefined();
      expectGoldenJson(`bedrock/stream-${name}`, r);
    });
  }

  const toolUse = () => ({ bytes: fixtureBytes('bedrock/converse-stream-tool-use.response.eventstream.bin'), frames: fixtureJson<DecodedFrame[]>('bedrock/converse-stream-tool-use.response.eventstream.decoded.json') });

  it('turns a throttlingException after the 200 into an error step (429, rate_limit), keeping what came before', () => {
    const { bytes, frames } = toolUse();
    const cut = firstFrames(bytes, frames, 5);
    const r = replayAllSplits(fresh(), new Uint8Array(Buffer.concat([cut, exception('throttlingException', 'Too many tokens, please wait before trying again.')])));
    expect(r.error).toEqual({ status: 429, kind: 'rate_limit', message: 'Too many tokens, please wait before trying again.', providerCode: 'throttlingException' });
    expect(r.done).toBe(true);
    expect(assemble(r.chunks)[0]!.content).toBe(facts(frames.slice(0, 5)).text);
  });

  it('maps modelStreamErrorException and serviceUnavailableException mid-stream', () => {
    const run = (b: Uint8Array) => replay(bedrock.chat.createStreamTranslator(streamEx()), [b]).error;
    expect(run(exception('modelStreamErrorException', 'The model failed'))).toMatchObject({ status: 424, kind: 'server', providerCode: 'modelStreamErrorException' });
    expect(run(exception('serviceUnavailableException', 'busy'))).toMatchObject({ status: 503, kind: 'overloaded' });
    expect(run(frame({ ':message-type': 'error', ':error-code': 'InternalFailure', ':error-message': 'oops' }, ''))).toMatchObject({ status: 502, kind: 'server', message: 'oops' });
  });

  it('reports a stream cut before messageStop as truncated, and one without metadata as complete without usage', () => {
    const { bytes, frames } = toolUse();
    const truncated = replay(bedrock.chat.createStreamTranslator(streamEx()), [firstFrames(bytes, frames, 22)]);
    expect(truncated.error).toMatchObject({ status: 502, kind: 'server' });
    const midFrame = replay(bedrock.chat.createStreamTranslator(streamEx()), [bytes.subarray(0, bytes.length - 10)]);
    expect(midFrame.error).toMatchObject({ status: 502, kind: 'bad_response' });
    const noMetadata = replay(bedrock.chat.createStreamTranslator(streamEx()), [firstFrames(bytes, frames, frames.length - 1)]);
    expect(noMetadata).toMatchObject({ error: undefined, done: true, usage: undefined });
    expect(assemble(noMetadata.chunks)[0]!.finishReason).toBe('tool_calls');
  });

  it('fails cleanly on a corrupted frame CRC', () => {
    const bytes = new Uint8Array(fixtureBytes('bedrock/converse-stream-text.response.eventstream.bin'));
    bytes[200] = bytes[200]! ^ 0xff;
    const r = replay(bedrock.chat.createStreamTranslator(streamEx()), [bytes]);
    expect(r.error).toMatchObject({ status: 502, kind: 'bad_response' });
    expect(r.done).toBe(true);
  });

  it('translates reasoning deltas, signatures and cache usage (Claude thinking)', () => {
    const ev = (type: string, payload: object) => frame({ ':message-type': 'event', ':event-type': type, ':content-type': 'application/json' }, JSON.stringify(payload));
    const bytes = Buffer.concat([
      ev('messageStart', { role: 'assistant' }),
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'Let me think.' } } }),
      ev('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'EqoBCkgIAR' } } }),
      ev('contentBlockStop', { contentBlockIndex: 0 }),
      ev('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_a', name: 'now' } } }),
      ev('contentBlockStop', { contentBlockIndex: 1 }),
      ev('contentBlockStart', { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'tooluse_b', name: 'add' } } }),
      ev('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '{"a":' } } }),
      ev('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '1}' } } }),
      ev('contentBlockStop', { contentBlockIndex: 2 }),
      ev('messageStop', { stopReason: 'tool_use' }),
      ev('metadata', { usage: { inputTokens: 3, outputTokens: 40, cacheReadInputTokens: 900, cacheWriteInputTokens: 100, totalTokens: 1043 }, metrics: { latencyMs: 10 } }),
    ]);
    const r = replayAllSplits(fresh(SONNET), new Uint8Array(bytes));
    const [c] = assemble(r.chunks);
    expect(c!.reasoning).toBe('Let me think.');
    expect(r.chunks.some((k) => k.delta.reasoningSignature === 'EqoBCkgIAR')).toBe(true);
    expect(c!.toolCalls).toEqual([
      { id: 'tooluse_a', name: 'now', arguments: '{}' },
      { id: 'tooluse_b', name: 'add', arguments: '{"a":1}' },
    ]);
    expect(r.usage).toEqual({ inputTokens: 1003, outputTokens: 40, totalTokens: 1043, cachedInputTokens: 900, cacheCreationInputTokens: 100 });
  });
});

describe('bedrock adapter: errors', () => {
  const headersOf = (name: string) => fixtureJson<{ response_headers: Record<string, string[]> }>(`bedrock/${name}.http.json`).response_headers;

  for (const name of ['error-400-validation-converse', 'error-400-validation-converse-stream']) {
    it(`${name}: the JSON message, kind from the status (the recorder stripped x-amzn-errortype)`, () => {
      const e = bedrock.parseError(400, headersOf(name), fixtureBytes(`bedrock/${name}.response.json`));
      expect(e).toEqual({ status: 400, kind: 'invalid_request', message: 'The provided model identifier is invalid.' });
    });
  }

  const body = (message: string) => new TextEncoder().encode(JSON.stringify({ message }));
  const cases: [string, number, string][] = [
    ['ValidationException', 400, 'invalid_request'],
    ['AccessDeniedException', 403, 'permission'],
    ['ResourceNotFoundException', 404, 'not_found'],
    ['ThrottlingException', 429, 'rate_limit'],
    ['ServiceQuotaExceededException', 400, 'quota'],
    ['ModelTimeoutException', 408, 'timeout'],
    ['ModelNotReadyException', 429, 'overloaded'],
    ['ModelErrorException', 424, 'server'],
    ['InternalServerException', 500, 'server'],
    ['ServiceUnavailableException', 503, 'overloaded'],
    ['UnrecognizedClientException', 403, 'auth'],
    ['ExpiredTokenException', 403, 'auth'],
  ];
  for (const [type, status, kind] of cases) {
    it(`x-amzn-errortype ${type} (${status}) → ${kind}`, () => {
      const e = bedrock.parseError(status, { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, 'x-amzn-requestid': 'req-1' }, body('nope'));
      expect(e).toEqual({ status, kind, message: 'nope', providerCode: type, requestId: 'req-1' });
    });
  }

  it('recognises a prompt over the context window, a body __type, and a non-JSON body', () => {
    expect(bedrock.parseError(400, { 'x-amzn-errortype': 'ValidationException' }, body('Input is too long for requested model.')).kind).toBe('context_length');
    expect(bedrock.parseError(400, {}, new TextEncoder().encode('{"__type":"com.amazon.coral.validate#ValidationException","Message":"bad"}'))).toMatchObject({ providerCode: 'ValidationException', message: 'bad' });
    expect(bedrock.parseError(502, {}, new TextEncoder().encode('<html>Bad Gateway</html>'))).toMatchObject({ status: 502, kind: 'server', message: '<html>Bad Gateway</html>' });
  });
});
