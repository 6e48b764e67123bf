import { describe, expect, it } from 'vitest';
import { costOf } from '../../accounting/cost.js';
import { compileAiSection } from '../../config/compile.js';
import type { AiSection } from '../../config/schema.js';
import { AiRuntime } from '../../runtime.js';
import { getProvider, providerIds } from '../registry.js';
import { lookupModel } from '../../catalog/catalog.js';
import { fixtureBytes, fixtureJson } from '../../../core/llm/test-support/fixtures.js';
import { expectGoldenJson } from '../../../core/llm/test-support/golden.js';
import type { ChatRequest } from '../../../core/llm/types.js';
import type { ChatExchange, EmbeddingsExchange, Target } from '../contract.js';
import { gemini } from '../gemini/index.js';
import { assemble, enc, replayAllSplits } from '../test-support/replay.js';
import { vertex, vertexBaseUrl } from './index.js';

const target = (t: Partial<Target> = {}): Target => ({
  providerModel: 'gemini-2.5-flash',
  baseUrl: vertexBaseUrl('europe-west4'),
  apiKey: 'ya29.test-token',
  project: 'acme-prod',
  region: 'europe-west4',
  ...t,
});
const fixed = { now: () => 1_700_000_000_000, newId: () => 'x1' };
const ex = (r: Partial<ChatRequest> = {}, t: Partial<Target> = {}): ChatExchange => ({
  request: { model: 'v', messages: [{ role: 'user', content: 'Hi' }], stream: false, ...r },
  target: target(t),
  ctx: fixed,
});
const MODEL_PATH = 'projects/acme-prod/locations/europe-west4/publishers/google/models/gemini-2.5-flash';

describe('vertex adapter: requests', () => {
  it('calls the regional publisher-model URL with the OAuth token as bearer', () => {
    const call = vertex.chat.buildRequest(ex());
    expect(call.url).toBe(`https://europe-west4-aiplatform.googleapis.com/v1/${MODEL_PATH}:generateContent`);
    expect(call.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer ya29.test-token' });
    const s = vertex.chat.buildRequest(ex({ stream: true }));
    expect(s).toMatchObject({ url: `https://europe-west4-aiplatform.googleapis.com/v1/${MODEL_PATH}:streamGenerateContent?alt=sse`, stream: true, responseFormat: 'sse' });
  });

  it('derives its default address from the location (global has no regional prefix)', () => {
    expect(vertex.defaultBaseUrl).toBeUndefined();
    expect(vertex.defaultBaseUrlFor?.({ region: 'us-central1', project: 'p' })).toBe('https://us-central1-aiplatform.googleapis.com/v1');
    expect(vertex.defaultBaseUrlFor?.({ region: 'global' })).toBe('https://aiplatform.googleapis.com/v1');
    const g = vertex.chat.buildRequest(ex({}, { region: 'global', baseUrl: vertexBaseUrl('global') }));
    expect(g.url).toBe('https://aiplatform.googleapis.com/v1/projects/acme-prod/locations/global/publishers/google/models/gemini-2.5-flash:generateContent');
    expect(vertex.requires).toEqual(['project', 'region']);
    expect(vertex.auth).toBe('bearer');
  });

  it('keeps full resource names (tuned endpoints) and scopes partner publishers', () => {
    expect(vertex.chat.buildRequest(ex({}, { providerModel: 'projects/acme-prod/locations/europe-west4/endpoints/123' })).url).toBe(
      'https://europe-west4-aiplatform.googleapis.com/v1/projects/acme-prod/locations/europe-west4/endpoints/123:generateContent',
    );
    expect(vertex.chat.buildRequest(ex({}, { providerModel: 'publishers/google/models/gemini-2.0-flash-001' })).url).toContain('/locations/europe-west4/publishers/google/models/gemini-2.0-flash-001:generateContent');
  });

  it('writes the same body as AI Studio, plus labels from the request metadata', () => {
    const req: Partial<ChatRequest> = { messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'Hi' }], temperature: 0.2, tools: [{ name: 'f', parameters: { type: 'object', properties: {} } }], metadata: { team: 'search' } };
    const v = JSON.parse(vertex.chat.buildRequest(ex(req)).body as string);
    const { labels, ...rest } = v;
    expect(labels).toEqual({ team: 'search' });
    expect(rest).toEqual(JSON.parse(gemini.chat.buildRequest({ ...ex(req), target: { ...target(), baseUrl: 'https://generativelanguage.googleapis.com/v1beta' } }).body as string));
    expectGoldenJson('vertex/request-labels', v);
  });

  it('refuses a target without project or region, naming what is missing', () => {
    expect(() => vertex.chat.buildRequest(ex({}, { project: undefined }))).toThrow(/project/);
    expect(() => vertex.chat.buildRequest(ex({}, { region: undefined }))).toThrow(/location/);
  });
});

describe('vertex adapter: responses, streams and errors (the Gemini wire format)', () => {
  it('reads a generateContent body, with Vertex createTime as created', () => {
    const raw = fixtureJson<Record<string, unknown>>('gemini/generate-content-function-call.0.response.json');
    const body = enc.encode(JSON.stringify({ ...raw, createTime: '2025-08-16T00:45:59.123456Z' }));
    const { response, usage } = vertex.chat.parseResponse(ex(), body, {});
    expect(response.created).toBe(Math.floor(Date.parse('2025-08-16T00:45:59Z') / 1000));
    expect(response.choices[0]).toMatchObject({ finishReason: 'tool_calls', message: { toolCalls: [{ name: 'customDivide', arguments: '{"denominator":2,"numerator":100}' }] } });
    expect(usage).toEqual({ inputTokens: 21, outputTokens: 6, totalTokens: 27 });
  });

  it('translates an alt=sse stream at every split, usage included', () => {
    const r = replayAllSplits(() => vertex.chat.createStreamTranslator(ex({ stream: true })), fixtureBytes('gemini/stream-sse-function-call.1.response.sse'));
    expect(r.error).toBeUndefined();
    expect(assemble(r.chunks)[0]).toMatchObject({ content: 'The capital of Mexico is Mexico City.', finishReason: 'stop' });
    expect(r.usage).toEqual({ inputTokens: 257, outputTokens: 8, totalTokens: 265 });
  });

  it('reads google.rpc errors: 401 UNAUTHENTICATED (expired token) and 403 PERMISSION_DENIED', () => {
    const unauth = JSON.stringify({
      error: {
        code: 401,
        message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        status: 'UNAUTHENTICATED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'ACCESS_TOKEN_EXPIRED', domain: 'googleapis.com' }],
      },
    });
    expect(vertex.parseError(401, {}, enc.encode(unauth))).toMatchObject({ status: 401, kind: 'auth', providerCode: 'ACCESS_TOKEN_EXPIRED' });
    const denied = JSON.stringify({ error: { code: 403, message: "Permission 'aiplatform.endpoints.predict' denied", status: 'PERMISSION_DENIED' } });
    expect(vertex.parseError(403, {}, enc.encode(denied))).toMatchObject({ status: 403, kind: 'permission', providerCode: 'PERMISSION_DENIED' });
  });
});

describe('vertex adapter: embeddings and catalog', () => {
  const eex = (request: EmbeddingsExchange['request']): EmbeddingsExchange => ({ request, target: target({ providerModel: 'text-embedding-005' }), ctx: fixed });

  it('embeds through :predict with task_type and outputDimensionality; usage from token_count', () => {
    const x = eex({ model: 'e', input: ['a', 'b c'], inputType: 'document', dimensions: 256 });
    const call = vertex.embeddings!.buildRequest(x);
    expect(call.url).toBe('https://europe-west4-aiplatform.googleapis.com/v1/projects/acme-prod/locations/europe-west4/publishers/google/models/text-embedding-005:predict');
    expect(call.headers.authorization).toBe('Bearer ya29.test-token');
    expect(JSON.parse(call.body as string)).toEqual({
      instances: [
        { content: 'a', task_type: 'RETRIEVAL_DOCUMENT' },
        { content: 'b c', task_type: 'RETRIEVAL_DOCUMENT' },
      ],
      parameters: { outputDimensionality: 256 },
    });
    const answer = { predictions: [{ embeddings: { values: [0.1, 0.2], statistics: { token_count: 1, truncated: false } } }, { embeddings: { values: [0.3, 0.4], statistics: { token_count: 2, truncated: false } } }] };
    const { response, usage } = vertex.embeddings!.parseResponse(x, enc.encode(JSON.stringify(answer)), {});
    expect(response.data).toEqual([
      { index: 0, embedding: [0.1, 0.2] },
      { index: 1, embedding: [0.3, 0.4] },
    ]);
    expect(usage).toEqual({ inputTokens: 3, outputTokens: 0, totalTokens: 3 });
    expect(vertex.capabilities.embeddings).toBe(true);
  });

  it('resolves catalog prices under vertex-ai', () => {
    for (const m of ['gemini-2.5-flash', 'gemini-2.0-flash-001', 'text-embedding-005']) {
      const f = lookupModel('v', 'vertex', m);
      expect(f.key, m).toBe(`vertex-ai/${m}`);
      expect(f.priced, m).toBe(true);
    }
    const f = lookupModel('v', 'vertex', 'gemini-2.5-flash');
    expect(costOf({ inputTokens: 1000, outputTokens: 100, totalTokens: 1100, reasoningTokens: 40 }, f)).toBeCloseTo(1000 * f.inputPerToken + 100 * f.outputPerToken, 12);
  });
});

describe('vertex adapter: configuration', () => {
  const compile = (provider: Partial<AiSection['providers'][number]>) =>
    compileAiSection(
      { providers: [{ id: 'gcp', type: 'vertex', keys: [{ id: 'k', secret: 'env:TOKEN' }], ...provider }], models: [{ name: 'flash', targets: [{ provider: 'gcp', model: 'gemini-2.5-flash' }] }] },
      { adapter: getProvider, adapterIds: providerIds, runtime: new AiRuntime(), env: { TOKEN: 'ya29.t' } },
    );

  it('derives the regional base URL from region, and builds targets with project and location', () => {
    const ai = compile({ region: 'us-central1', project: 'acme' });
    const p = ai.providers.get('gcp')!;
    expect(p.baseUrl).toBe('https://us-central1-aiplatform.googleapis.com/v1');
    expect(p.origin).toBe('https://us-central1-aiplatform.googleapis.com');
    const [t] = [...ai.models[0]!.deployments[0]!.targets.values()];
    expect(vertex.chat.buildRequest({ request: { model: 'flash', messages: [{ role: 'user', content: 'x' }], stream: false }, target: t! }).url).toBe(
      'https://us-central1-aiplatform.googleapis.com/v1/projects/acme/locations/us-central1/publishers/google/models/gemini-2.5-flash:generateContent',
    );
  });

  it('refuses a provider without region or project, naming the field', () => {
    expect(() => compile({ project: 'acme' })).toThrow(expect.objectContaining({ path: 'ai.providers[0].region', reason: 'is required by provider type vertex' }));
    expect(() => compile({ region: 'us-central1' })).toThrow(expect.objectContaining({ path: 'ai.providers[0].project', reason: 'is required by provider type vertex' }));
  });
});
