import { describe, expect, it } from 'vitest';
import type { EmbeddingsRequest } from '../../../core/llm/embeddings.js';
import { base64ToFloats } from '../../../core/llm/vectors.js';
import { lookupModel } from '../../catalog/catalog.js';
import type { EmbeddingsExchange, Target } from '../contract.js';
import { FIXED_CTX } from '../test-support/replay.js';
import { bedrock } from './index.js';

// No InvokeModel embeddings capture exists in ../shared/fixtures/llm: the bodies below follow the
// shapes on the Bedrock model-parameter pages (Titan Text Embeddings, Cohere Embed v3/v4).
const embeddings = bedrock.embeddings!;
const ex = (request: Partial<EmbeddingsRequest>, providerModel: string, t: Partial<Target> = {}): EmbeddingsExchange => ({
  request: { model: 'e', input: 'Hello, world!', ...request },
  target: { providerModel, baseUrl: 'https://bedrock-runtime.eu-west-1.amazonaws.com', awsCredentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' }, ...t },
  ctx: FIXED_CTX,
});
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe('bedrock embeddings (InvokeModel)', () => {
  it('Titan Text Embeddings V2: one inputText, dimensions, a signed /invoke call', () => {
    const call = embeddings.buildRequest(ex({ dimensions: 256 }, 'amazon.titan-embed-text-v2:0'));
    expect(call.url).toBe('https://bedrock-runtime.eu-west-1.amazonaws.com/model/amazon.titan-embed-text-v2%3A0/invoke');
    expect(JSON.parse(call.body as string)).toEqual({ inputText: 'Hello, world!', dimensions: 256 });
    expect(call).toMatchObject({ method: 'POST', stream: false, responseFormat: 'json' });
    expect(call.headers.authorization).toMatch(/Credential=AKID\/20231114\/eu-west-1\/bedrock\/aws4_request/);
    const { response, usage } = embeddings.parseResponse(
      ex({}, 'amazon.titan-embed-text-v2:0'),
      json({ embedding: [0.5, -0.25, 0.125], inputTextTokenCount: 5, embeddingsByType: { float: [0.5, -0.25, 0.125] } }),
      {},
    );
    expect(response).toEqual({ model: 'amazon.titan-embed-text-v2:0', data: [{ index: 0, embedding: [0.5, -0.25, 0.125] }], usage: { inputTokens: 5, outputTokens: 0, totalTokens: 5 } });
    expect(usage).toBe(response.usage);
  });

  it('Titan refuses several inputs in one request, naming input', () => {
    expect(() => embeddings.buildRequest(ex({ input: ['a', 'b'] }, 'amazon.titan-embed-text-v1'))).toThrow(expect.objectContaining({ error: expect.objectContaining({ param: 'input', status: 400 }) }));
  });

  it('Cohere Embed on Bedrock: texts, input_type, float embeddings by type, usage from the token-count header', () => {
    const call = embeddings.buildRequest(ex({ input: ['a', 'b'], inputType: 'query' }, 'cohere.embed-multilingual-v3'));
    expect(JSON.parse(call.body as string)).toEqual({ texts: ['a', 'b'], input_type: 'search_query', embedding_types: ['float'] });
    expect(JSON.parse(embeddings.buildRequest(ex({ dimensions: 512 }, 'cohere.embed-v4:0')).body as string)).toEqual({
      texts: ['Hello, world!'],
      input_type: 'search_document',
      embedding_types: ['float'],
      output_dimension: 512,
    });
    const body = json({ id: 'e1', response_type: 'embeddings_by_type', texts: ['a', 'b'], embeddings: { float: [[1, 2], [3, 4]] } });
    const { response } = embeddings.parseResponse(ex({ input: ['a', 'b'], encodingFormat: 'base64' }, 'cohere.embed-multilingual-v3'), body, { 'x-amzn-bedrock-input-token-count': '4' });
    expect(response.usage).toEqual({ inputTokens: 4, outputTokens: 0, totalTokens: 4 });
    expect(response.data.map((d) => base64ToFloats(d.embedding as string))).toEqual([[1, 2], [3, 4]]);
    // Without embedding_types the older shape is a bare list of vectors.
    const bare = embeddings.parseResponse(ex({}, 'cohere.embed-english-v3'), json({ embeddings: [[0.5]], response_type: 'embeddings_floats' }), {});
    expect(bare.response.data).toEqual([{ index: 0, embedding: [0.5] }]);
  });

  it('refuses models it cannot embed with, token arrays, and unreadable bodies', () => {
    expect(() => embeddings.buildRequest(ex({}, 'amazon.nova-2-multimodal-embeddings-v1:0'))).toThrow(expect.objectContaining({ error: expect.objectContaining({ param: 'model' }) }));
    expect(() => embeddings.buildRequest(ex({ input: [1, 2, 3] }, 'cohere.embed-english-v3'))).toThrow(expect.objectContaining({ error: expect.objectContaining({ param: 'input' }) }));
    expect(() => embeddings.parseResponse(ex({}, 'cohere.embed-english-v3'), json({ embeddings: { int8: [[1]] } }), {})).toThrow(expect.objectContaining({ error: expect.objectContaining({ kind: 'bad_response' }) }));
  });
});

describe('bedrock models in the catalog', () => {
  it('prices Converse models by Bedrock model id, and embeddings models as embeddings', () => {
    const sonnet = lookupModel('aws', 'bedrock', 'anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(sonnet).toMatchObject({ source: 'catalog', key: 'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0', priced: true });
    expect(sonnet.inputPerToken).toBeCloseTo(3e-6, 12);
    expect(sonnet.cacheWritePerToken).toBeCloseTo(3.75e-6, 12);
    expect(lookupModel('aws', 'bedrock', 'amazon.nova-micro-v1:0')).toMatchObject({ key: 'bedrock/amazon.nova-micro-v1:0', priced: true });
    expect(lookupModel('aws', 'bedrock', 'cohere.embed-v4:0')).toMatchObject({ type: 'embedding', priced: true });
    expect(lookupModel('aws', 'bedrock', 'amazon.titan-embed-text-v2:0')).toMatchObject({ type: 'embedding', priced: true });
  });

  it('prices cross-region inference profiles and ARNs as their model when the data set has no entry of their own', () => {
    const profile = lookupModel('aws', 'bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(profile).toMatchObject({ key: 'bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0', priced: true });
    expect(lookupModel('aws', 'bedrock', 'us.amazon.nova-micro-v1:0').key).toBe('bedrock/amazon.nova-micro-v1:0');
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0';
    expect(lookupModel('aws', 'bedrock', arn).key).toBe('bedrock/anthropic.claude-sonnet-4-5-20250929-v1:0');
    // A profile the data set prices on its own keeps its own price (GovCloud costs more).
    expect(lookupModel('aws', 'bedrock', 'us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0').inputPerToken).toBeCloseTo(3.6e-6, 12);
    expect(lookupModel('aws', 'bedrock', 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3').source).toBe('unknown');
  });
});
