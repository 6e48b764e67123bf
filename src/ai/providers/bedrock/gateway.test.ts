import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBytes, fixtureJson } from '../../../core/llm/test-support/fixtures.js';
import { startGateway, type TestGateway } from '../../../test-support/gateway.js';
import { consumer, traceOf } from '../../../test-support/llm-mocks/helpers.js';
import { signV4 } from './sigv4.js';

/**
 * The official `openai` SDK against a real in-process Sluice whose Bedrock upstream is a mock
 * replaying the Converse captures. The mock checks each request's SigV4 signature against what it
 * actually received (path bytes, Host, body), as AWS does, and answers 403 when they disagree.
 */
const KEY = 'sk-sluice-bedrock-0123456789';
const AWS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'FQoGZXIvYXdzEXAMPLE' };
const SONNET = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const NOVA = 'us.amazon.nova-micro-v1:0';

interface Seen {
  readonly url: string;
  readonly signatureOk: boolean;
  readonly body: Record<string, unknown>;
}

function verify(req: http.IncomingMessage, body: Buffer): boolean {
  const m = /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/(\d{8})\/([^/]+)\/bedrock\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(req.headers.authorization ?? '');
  const date = req.headers['x-amz-date'];
  if (!m || typeof date !== 'string' || req.headers['x-amz-security-token'] !== AWS.sessionToken) return false;
  const names = m[3]!.split(';');
  const own = new Set(['host', 'x-amz-date', 'x-amz-security-token']);
  const headers = Object.fromEntries(names.filter((n) => !own.has(n)).map((n) => [n, String(req.headers[n])]));
  const at = Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8), +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15));
  const expected = signV4({ method: req.method!, url: `http://${req.headers.host!}${req.url!}`, headers, body, credentials: AWS, region: m[2]!, service: 'bedrock', nowMs: at });
  return expected.signedHeaders === m[3] && expected.signature === m[4];
}

async function startBedrockMock(): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const ok = verify(req, body);
      seen.push({ url: req.url!, signatureOk: ok, body: JSON.parse(body.toString('utf8')) as Record<string, unknown> });
      if (!ok) {
        res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/' });
        res.end(JSON.stringify({ message: 'The request signature we calculated does not match the signature you provided.' }));
        return;
      }
      if (req.url!.includes('throttled')) {
        res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/', 'x-amzn-requestid': 'rid-429' });
        res.end(JSON.stringify({ message: 'Too many requests, please wait before trying again.' }));
        return;
      }
      if (req.url!.endsWith('/converse')) {
        const bytes = fixtureBytes('bedrock/converse-basic.response.json');
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length) });
        res.end(bytes);
        return;
      }
      // The event stream in uneven pieces, cutting frames anywhere.
      const tools = (seen.at(-1)!.body as { toolConfig?: unknown }).toolConfig !== undefined;
      const bytes = fixtureBytes(`bedrock/converse-stream-${tools ? 'tool-use' : 'text'}.response.eventstream.bin`);
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
      for (let p = 0, n = 1; p < bytes.length; p += n, n = ((n * 7 + 3) % 97) + 1) res.write(bytes.subarray(p, p + n));
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

describe('AI gateway → Bedrock (OpenAI SDK, SigV4 verified by the mock)', () => {
  let mock: Awaited<ReturnType<typeof startBedrockMock>>;
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    mock = await startBedrockMock();
    gw = await startGateway({
      ai: {
        providers: [
          {
            id: 'aws',
            type: 'bedrock',
            base_url: mock.url,
            region: 'us-east-1',
            keys: [{ id: 'iam', aws_access_key_id: AWS.accessKeyId, aws_secret_access_key: `plain:${AWS.secretAccessKey}`, aws_session_token: `plain:${AWS.sessionToken}` }],
          },
        ],
        models: [
          { name: 'claude', targets: [{ provider: 'aws', model: SONNET }] },
          { name: 'nova', targets: [{ provider: 'aws', model: NOVA }] },
          { name: 'throttled', targets: [{ provider: 'aws', model: 'throttled.model-v1:0' }] },
        ],
      },
      services: [{ id: 'llm', kind: 'ai' }],
      routes: [
        { id: 'openai-api', service: 'llm', paths: ['/v1/chat/completions'], policies: [{ name: 'key-auth' }] },
        { id: 'anthropic-api', service: 'llm', paths: ['/v1/messages'], policies: [{ name: 'key-auth' }] },
      ],
      consumers: [consumer('dev', KEY)],
    });
    client = new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  });
  afterAll(async () => {
    await gw.close();
    await mock.close();
  });

  it('non-streaming: a signed Converse call, the captured answer, usage and cost', async () => {
    const expected = fixtureJson<{ output: { message: { content: { text: string }[] } } }>('bedrock/converse-basic.response.json');
    const { data, response } = await client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'system', content: 'You are a helpful chatbot.' }, { role: 'user', content: 'What is the capital of France?' }], temperature: 0 })
      .withResponse();
    const seen = mock.seen.at(-1)!;
    expect(seen).toMatchObject({ url: '/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse', signatureOk: true });
    expect(seen.body).toEqual(fixtureJson('bedrock/converse-basic.request.json'));
    expect(data.choices[0]).toMatchObject({ finish_reason: 'stop', message: { role: 'assistant', content: expected.output.message.content[0]!.text } });
    expect(data.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 69, total_tokens: 90 });
    expect(response.headers.get('x-sluice-provider')).toBe('aws');
    const t = await traceOf(gw.admin, response.headers.get('x-request-id'));
    expect(t.annotations?.ai).toMatchObject({ provider: 'aws', attempts: 1, usage_source: 'provider' });
    expect(t.annotations!.ai!['cost']).toBeCloseTo(21 * 3e-6 + 69 * 15e-6, 10);
  });

  it('streaming: the binary event stream, cut anywhere, becomes OpenAI chunks with the usage chunk', async () => {
    const stream = await client.chat.completions.create({ model: 'nova', messages: [{ role: 'user', content: 'What is the capital of France?' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    const finish: (string | null | undefined)[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finish.push(chunk.choices[0].finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(mock.seen.at(-1)).toMatchObject({ url: '/model/us.amazon.nova-micro-v1%3A0/converse-stream', signatureOk: true });
    expect(text).toMatch(/^The capital of France is Paris\. .*"The City of Love\."$/s);
    expect(finish).toEqual(['stop']);
    expect(usage).toMatchObject({ prompt_tokens: 13, completion_tokens: 82, total_tokens: 95 });
  });

  it('Anthropic SDK, streaming tool use: the toolUse block and its input arrive as a tool_use block', async () => {
    const anthropic = new Anthropic({ apiKey: KEY, baseURL: gw.url, maxRetries: 0 });
    const stream = anthropic.messages.stream({
      model: 'nova',
      max_tokens: 512,
      messages: [{ role: 'user', content: 'What is the temperature of the capital of France?' }],
      tools: [{ name: 'get_temperature', description: 'Get the temperature in a city.', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
    });
    const msg = await stream.finalMessage();
    expect(mock.seen.at(-1)).toMatchObject({ url: '/model/us.amazon.nova-micro-v1%3A0/converse-stream', signatureOk: true });
    expect(msg.stop_reason).toBe('tool_use');
    const call = msg.content.find((b) => b.type === 'tool_use');
    expect(call).toMatchObject({ id: 'tooluse_lAG_zP8QRHmSYOwZzzaCqA', name: 'get_temperature', input: { city: 'Paris' } });
    expect(msg.usage).toMatchObject({ input_tokens: 471, output_tokens: 91 });
  });

  it('an upstream ThrottlingException reaches the SDK as its RateLimitError (429)', async () => {
    const err = await client.chat.completions.create({ model: 'throttled', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(mock.seen.at(-1)!.signatureOk).toBe(true);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).status).toBe(429);
  });
});
