import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBytes, fixtureJson, fixtureLines, toSse } from '../../../core/llm/test-support/fixtures.js';
import { startGateway, type TestGateway } from '../../../test-support/gateway.js';
import { consumer } from '../../../test-support/llm-mocks/helpers.js';

/**
 * The official `openai` SDK against a real in-process Sluice whose Cohere upstream is a mock
 * replaying the v2 captures (stream payloads re-framed as the SSE Cohere sends).
 */
const KEY = 'sk-sluice-cohere-0123456789';

interface Seen {
  readonly path: string;
  readonly auth: string | undefined;
  readonly body: Record<string, unknown>;
}

async function startCohereMock(): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') as Record<string, unknown>;
      seen.push({ path: req.url!, auth: req.headers.authorization, body });
      const json = (status: number, bytes: Uint8Array) => {
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(bytes.length) });
        res.end(bytes);
      };
      if (req.url === '/v2/embed') return json(body['model'] === 'nonexistent' ? 404 : 200, fixtureBytes(`cohere/${body['model'] === 'nonexistent' ? 'error-embed' : 'embed-v2'}.response.json`));
      if (body['stream'] !== true) return json(200, fixtureBytes('cohere/chat-v2-tool-call.response.json'));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const sse = toSse(fixtureLines('cohere/chat-v2-stream-tool-call.chunks.jsonl'), { eventFromType: true });
      for (let p = 0, n = 1; p < sse.length; p += n, n = ((n * 5 + 1) % 61) + 1) res.write(sse.subarray(p, p + n));
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

describe('AI gateway → Cohere v2 (OpenAI SDK)', () => {
  let mock: Awaited<ReturnType<typeof startCohereMock>>;
  let gw: TestGateway;
  let client: OpenAI;
  const tools: OpenAI.ChatCompletionTool[] = [
    { type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
    { type: 'function', function: { name: 'cityAttractions', parameters: { type: 'object', properties: { city: { type: 'string' } } } } },
  ];

  beforeAll(async () => {
    mock = await startCohereMock();
    gw = await startGateway({
      ai: {
        providers: [{ id: 'cohere', type: 'cohere', base_url: mock.url, keys: [{ id: 'main', secret: 'plain:co-upstream-key' }] }],
        models: [
          { name: 'command', targets: [{ provider: 'cohere', model: 'command-r-plus' }] },
          { name: 'embed', type: 'embedding', targets: [{ provider: 'cohere', model: 'embed-v4.0' }] },
          { name: 'embed-missing', type: 'embedding', targets: [{ provider: 'cohere', model: 'nonexistent' }] },
        ],
      },
      services: [{ id: 'llm', kind: 'ai' }],
      routes: [{ id: 'openai-api', service: 'llm', paths: ['/v1/chat/completions', '/v1/embeddings'], policies: [{ name: 'key-auth' }] }],
      consumers: [consumer('dev', KEY)],
    });
    client = new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
    await mock.close();
  });

  it('non-streaming tool calls: the plan as content, two calls, billed usage', async () => {
    const data = await client.chat.completions.create({ model: 'command', messages: [{ role: 'user', content: 'Weather and sights in SF?' }], tools });
    const seen = mock.seen.at(-1)!;
    expect(seen).toMatchObject({ path: '/v2/chat', auth: 'Bearer co-upstream-key' });
    expect(seen.body).toMatchObject({ model: 'command-r-plus', stream: false });
    expect(data.choices[0]!.finish_reason).toBe('tool_calls');
    expect(data.choices[0]!.message.tool_calls!.map((c) => (c.type === 'function' ? [c.id, c.function.name, c.function.arguments] : []))).toEqual([
      ['weather_dqgshstja6p9', 'weather', '{"location":"San Francisco"}'],
      ['cityAttractions_dcxfx4myvx68', 'cityAttractions', '{"city":"San Francisco"}'],
    ]);
    expect(data.usage).toMatchObject({ prompt_tokens: 119, completion_tokens: 52 });
  });

  it('streaming tool calls: parallel calls with their own indices, the usage chunk', async () => {
    const stream = await client.chat.completions.create({ model: 'command', messages: [{ role: 'user', content: 'Weather and sights in SF?' }], tools, stream: true, stream_options: { include_usage: true } });
    const args: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      for (const tc of chunk.choices[0]?.delta.tool_calls ?? []) args[tc.index] = (args[tc.index] ?? '') + (tc.function?.arguments ?? '');
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(args).toEqual(['{"location": "San Francisco"}', '{"city": "San Francisco"}']);
    expect(finish).toBe('tool_calls');
    expect(usage).toMatchObject({ prompt_tokens: 119, completion_tokens: 44, total_tokens: 163 });
  });

  it('embeddings: /v2/embed, the captured vector; an unknown model is a 404 for the SDK', async () => {
    const expected = fixtureJson<{ embeddings: { float: number[][] } }>('cohere/embed-v2.response.json');
    const r = await client.embeddings.create({ model: 'embed', input: 'Hello, world!', encoding_format: 'float' });
    expect(mock.seen.at(-1)!.body).toMatchObject({ texts: ['Hello, world!'], embedding_types: ['float'], input_type: 'search_document' });
    expect(r.data[0]!.embedding).toEqual(expected.embeddings.float[0]);
    expect(r.usage.prompt_tokens).toBe(4);
    const err = await client.embeddings.create({ model: 'embed-missing', input: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as Error).message).toContain("model 'nonexistent' not found");
  });
});
