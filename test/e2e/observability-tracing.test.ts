import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startGateway, type TestGateway } from '../../src/test-support/gateway.js';
import { consumer } from '../../src/test-support/llm-mocks/helpers.js';
import { startLlmMock, type LlmMock } from '../../src/test-support/llm-mocks/server.js';
import { startUpstream, type TestUpstream } from '../../src/test-support/upstream.js';

/** A span as an OTLP/HTTP JSON receiver sees it, attributes flattened. */
interface Span {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  /** OTLP span kind: 1 internal, 2 server, 3 client. */
  readonly kind: number;
  readonly attributes: Record<string, unknown>;
  readonly status?: { code?: number };
  readonly events?: { name: string }[];
  readonly service: unknown;
  readonly start: bigint;
  readonly end: bigint;
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean; arrayValue?: { values: AnyValue[] } };
const anyValue = (v: AnyValue): unknown =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue ?? v.arrayValue?.values.map(anyValue);
const flat = (attrs: { key: string; value: AnyValue }[] | undefined) => Object.fromEntries((attrs ?? []).map((a) => [a.key, anyValue(a.value)]));

/** A local OTLP/HTTP traces endpoint (JSON encoding, as the exporter sends it). */
async function otlpReceiver(): Promise<{ url: string; spans: Span[]; raw: string[]; close: () => Promise<void> }> {
  const spans: Span[] = [];
  const raw: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      expect(req.url).toBe('/v1/traces');
      expect(req.headers['content-type']).toContain('application/json');
      raw.push(Buffer.concat(chunks).toString());
      const body = JSON.parse(raw.at(-1)!) as { resourceSpans: { resource: { attributes: { key: string; value: AnyValue }[] }; scopeSpans: { spans: (Omit<Span, 'attributes' | 'service' | 'start' | 'end'> & { attributes: { key: string; value: AnyValue }[]; startTimeUnixNano: string; endTimeUnixNano: string })[] }[] }[] };
      for (const rs of body.resourceSpans) {
        const service = flat(rs.resource.attributes)['service.name'];
        for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, attributes: flat(s.attributes), service, start: BigInt(s.startTimeUnixNano), end: BigInt(s.endTimeUnixNano) });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, raw, close: () => new Promise((r) => server.close(() => r())) };
}

const KEY = 'sluice_test_tracing_alice_000001';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe('OpenTelemetry tracing (OTLP/HTTP)', () => {
  let otlp: Awaited<ReturnType<typeof otlpReceiver>>;
  let up: TestUpstream;
  let oa: LlmMock;
  let gw: TestGateway;

  /** The spans of one trace, once the exporter (1 s batches) delivered its server span. */
  async function spansOf(traceId: string, wantSpans = 1): Promise<Span[]> {
    for (let i = 0; i < 100; i++) {
      const got = otlp.spans.filter((s) => s.traceId === traceId);
      if (got.length >= wantSpans && got.some((s) => s.kind === 2)) return got;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no spans for trace ${traceId}`);
  }

  beforeAll(async () => {
    otlp = await otlpReceiver();
    up = await startUpstream();
    oa = await startLlmMock('openai');
    gw = await startGateway({
      ai: {
        providers: [{ id: 'openai', type: 'openai', base_url: `${oa.url}/v1`, keys: [{ id: 'main', secret: 'plain:sk-upstream-openai' }] }],
        models: [{ name: 'gpt-4o', targets: [{ provider: 'openai', model: 'gpt-4o' }] }],
      },
      services: [{ id: 'svc', upstream: { targets: [up.url] }, tags: ['team:payments'] }, { id: 'llm', kind: 'ai' }],
      routes: [
        { id: 'orders', service: 'svc', paths: ['/orders'], policies: [{ name: 'key-auth' }] },
        { id: 'openai-api', service: 'llm', paths: ['/v1/chat/completions'], policies: [{ name: 'key-auth' }] },
      ],
      consumers: [consumer('alice', KEY)],
      observability: { tracing: { enabled: true, endpoint: `${otlp.url}/v1/traces`, service_name: 'sluice-test' } },
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
    await oa.close();
    await otlp.close();
  });

  it('continues an incoming traceparent: request span child of the caller, upstream child of the request span', async () => {
    const r = await call(`${gw.url}/orders/1`, { headers: { 'x-api-key': KEY, traceparent: `00-${TRACE}-${PARENT}-01` } });
    expect(r.status).toBe(200);
    const sent = up.seen.at(-1)!.headers['traceparent'] as string;
    const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(sent);
    expect(m?.[1]).toBe(TRACE);
    expect(m?.[2]).not.toBe(PARENT);
    const spans = await spansOf(TRACE, 3);
    const server = spans.find((s) => s.kind === 2)!;
    expect(server).toMatchObject({ spanId: m![2], parentSpanId: PARENT, name: 'GET orders', service: 'sluice-test' });
    expect(server.attributes).toMatchObject({ 'http.request.method': 'GET', 'url.path': '/orders/1', 'http.response.status_code': 200, 'sluice.route': 'orders', 'sluice.consumer': 'alice', 'sluice.credential': 'alice-key', 'sluice.team': 'payments', 'sluice.request_id': r.headers['x-request-id'] });
    const policy = spans.find((s) => s.kind === 1)!;
    expect(policy).toMatchObject({ name: 'policy key-auth', parentSpanId: server.spanId });
    expect(policy.attributes).toMatchObject({ 'sluice.policy.id': 'route:orders:key-auth', 'sluice.outcome': 'allow', 'sluice.phase': 'authenticate' });
    const client = spans.find((s) => s.kind === 3)!;
    expect(client).toMatchObject({ name: 'GET', parentSpanId: server.spanId });
    expect(client.attributes).toMatchObject({ 'server.address': '127.0.0.1', 'server.port': up.port, 'http.response.status_code': 200 });
    expect(client.start).toBeGreaterThanOrEqual(server.start);
    expect(client.end).toBeLessThanOrEqual(server.end + 1_000_000n);
    expect(otlp.raw.join('')).not.toContain(KEY);
  });

  it('starts a trace when none comes in, and the call log carries its trace id', async () => {
    const r = await call(`${gw.url}/orders/2`, { headers: { 'x-api-key': KEY } });
    const traceId = /^00-([0-9a-f]{32})-/.exec(up.seen.at(-1)!.headers['traceparent'] as string)![1]!;
    const server = (await spansOf(traceId)).find((s) => s.kind === 2)!;
    expect(server.parentSpanId ?? '').toBe('');
    const log = (await call(`${gw.admin}/logs/${r.headers['x-request-id'] as string}`)).json<{ trace_id: string }>();
    expect(log.trace_id).toBe(traceId);
  });

  it('follows an unsampled caller: the decision travels upstream, nothing is exported', async () => {
    const unsampled = '0af7651916cd43dd8448eb211c80319c';
    await call(`${gw.url}/orders/3`, { headers: { 'x-api-key': KEY, traceparent: `00-${unsampled}-b7ad6b7169203331-00` } });
    expect(up.seen.at(-1)!.headers['traceparent']).toMatch(new RegExp(`^00-${unsampled}-[0-9a-f]{16}-00$`));
    await spansOf(TRACE); // a later batch has been delivered meanwhile
    await call(`${gw.url}/orders/4`, { headers: { 'x-api-key': KEY, traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` } });
    await spansOf('1'.repeat(32));
    expect(otlp.spans.some((s) => s.traceId === unsampled)).toBe(false);
  });

  it('records a denial: the deciding policy span says deny and why', async () => {
    const trace = 'a'.repeat(32);
    expect((await call(`${gw.url}/orders/5`, { headers: { traceparent: `00-${trace}-${'b'.repeat(16)}-01` } })).status).toBe(401);
    const spans = await spansOf(trace, 2);
    expect(spans.find((s) => s.kind === 2)!.attributes).toMatchObject({ 'http.response.status_code': 401, 'sluice.reason_code': 'auth.key_missing', 'sluice.decided_by': 'route:orders:key-auth', 'sluice.answered_by': 'gateway' });
    expect(spans.find((s) => s.kind === 1)!.attributes).toMatchObject({ 'sluice.outcome': 'deny', 'sluice.reason_code': 'auth.key_missing' });
    expect(spans.some((s) => s.kind === 3)).toBe(false);
  });

  it('puts GenAI semantic-convention attributes on AI calls and sends the provider the trace context', async () => {
    const trace = 'c'.repeat(32);
    const ai = new OpenAI({ apiKey: KEY, baseURL: `${gw.url}/v1`, maxRetries: 0, defaultHeaders: { traceparent: `00-${trace}-${'d'.repeat(16)}-01` } });
    await ai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    const spans = await spansOf(trace, 3);
    const server = spans.find((s) => s.kind === 2)!;
    expect(server.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 8, 'gen_ai.usage.output_tokens': 377 });
    // The provider is called with the trace continued from the request span, as an HTTP upstream is.
    expect(oa.seen.at(-1)!.headers['traceparent']).toBe(`00-${trace}-${server.spanId}-01`);
    const inference = spans.find((s) => s.kind === 3)!;
    expect(inference.name).toBe('chat gpt-4o');
    expect(inference.parentSpanId).toBe(server.spanId);
    expect(inference.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o', 'gen_ai.response.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 8, 'gen_ai.usage.output_tokens': 377, 'gen_ai.usage.reasoning.output_tokens': 320, 'sluice.attempt': 1, 'sluice.ai.key': 'main',
    });
    expect(inference.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(otlp.raw.join('')).not.toContain('sk-upstream-openai');
  });
});
